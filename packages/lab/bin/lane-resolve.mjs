// Module resolve hook for hakozuna-lab/bin/lane-hook.mjs: 'hakozuna' -> the lane bundle.
import { pathToFileURL } from 'node:url';

let bundleUrl;
export function initialize(data) {
  bundleUrl = pathToFileURL(data.bundle).href;
}
export function resolve(specifier, context, next) {
  if (bundleUrl && specifier === 'hakozuna') return { url: bundleUrl, shortCircuit: true };
  return next(specifier, context);
}
