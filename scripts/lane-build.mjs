// Lane bundles with esbuild. The flag registry is TypeScript; esbuild bundles it
// on the fly so this script needs no compile step.
import * as esbuild from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

let registry;
/** The flag registry module (src/config/flags.ts), bundled to a temp file and imported. */
export async function loadRegistry() {
  if (registry) return registry;
  const out = join(ROOT, 'dist', 'tools', 'flags.mjs');
  mkdirSync(dirname(out), { recursive: true });
  await esbuild.build({
    entryPoints: [join(ROOT, 'src', 'config', 'flags.ts')],
    bundle: true, format: 'esm', platform: 'node', outfile: out, logLevel: 'error',
  });
  registry = await import(pathToFileURL(out).href);
  return registry;
}

/**
 * Build one lane bundle. `lane` is a preset or a custom name; `overrides` are
 * NAME=VALUE flag values; `base` the preset a custom lane starts from.
 * Returns { outdir, entry, resolved }.
 */
export async function buildLane(lane, overrides = {}, base, { outRoot = join(ROOT, 'dist', 'lanes'), entries } = {}) {
  const reg = await loadRegistry();
  const resolved = reg.resolveLane(lane, overrides, base);
  const outdir = join(outRoot, lane);
  const entryPoints = entries ?? { index: join(ROOT, 'src', 'index.ts') };
  await esbuild.build({
    entryPoints,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir,
    define: reg.laneDefines(resolved),
    minifySyntax: true,
    treeShaking: true,
    legalComments: 'none',
    logLevel: 'error',
  });
  writeFileSync(join(outdir, 'lane.json'), JSON.stringify(resolved, null, 2) + '\n');
  return { outdir, entry: join(outdir, 'index.js'), resolved };
}

export async function buildLanes(names) {
  const reg = await loadRegistry();
  const lanes = names ?? Object.keys(reg.LANES);
  for (const lane of lanes) await buildLane(lane);
  console.log(`[hakozuna] built lanes: ${lanes.join(', ')} -> dist/lanes/`);
}
