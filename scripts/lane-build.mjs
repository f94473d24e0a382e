// Lane bundles with esbuild. The flag registry is TypeScript; esbuild bundles it
// on the fly so this script needs no compile step.
import * as esbuild from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { relative } from 'node:path';

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
 * A hash of the allocator's sources (src/ without the lab): the build id baked
 * into every bundle and written into every heap's header, so a thread that loads
 * another build of hakozuna than the heap's creator is refused instead of
 * reading a layout it does not know.
 */
export function sourceHash() {
  const h = createHash('sha256');
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (relative(ROOT, p) !== join('src', 'lab')) walk(p);
      } else if (p.endsWith('.ts')) {
        h.update(relative(ROOT, p));
        h.update(readFileSync(p));
      }
    }
  };
  walk(join(ROOT, 'src'));
  return parseInt(h.digest('hex').slice(0, 8), 16);
}

const PLATFORM_INDEX = join(ROOT, 'src', 'platform', 'index.ts');
const PLATFORM_BROWSER = join(ROOT, 'src', 'platform', 'browser.ts');

/**
 * esbuild plugin for browser bundles: the platform layer's Node implementation
 * (src/platform/index.ts) is replaced by src/platform/browser.ts. Nothing else in
 * the allocator differs between the two builds.
 */
const browserPlatform = {
  name: 'hakozuna-browser-platform',
  setup(build) {
    build.onResolve({ filter: /[\\/]platform[\\/]index\.ts$/ }, (args) => {
      const target = resolve(args.resolveDir, args.path);
      return target === PLATFORM_INDEX ? { path: PLATFORM_BROWSER } : undefined;
    });
  },
};

/** What a browser bundle must not contain: a Node built-in import or a use of `process`. */
function checkBrowserBundle(file) {
  const text = readFileSync(file, 'utf8');
  const bad = /\bfrom\s*["']node:|\bimport\(\s*["']node:|\brequire\(\s*["']node:|\bprocess\.(env|on|once|stderr|stdout|platform|exit)\b/.exec(text);
  if (bad) throw new Error(`${relative(ROOT, file)}: the browser bundle still uses Node (${bad[0]})`);
}

/**
 * Build one lane bundle. `lane` is a preset or a custom name; `overrides` are
 * NAME=VALUE flag values; `base` the preset a custom lane starts from. With
 * `platform: 'browser'` the bundle uses the browser platform layer (default entry
 * name `browser`, so it sits beside the Node build's `index.js`).
 * Returns { outdir, entry, resolved }.
 */
export async function buildLane(lane, overrides = {}, base, { outRoot = join(ROOT, 'dist', 'lanes'), entries, platform = 'node' } = {}) {
  const reg = await loadRegistry();
  const resolved = reg.resolveLane(lane, overrides, base);
  const outdir = join(outRoot, lane);
  const browser = platform === 'browser';
  const entryPoints = entries ?? { [browser ? 'browser' : 'index']: join(ROOT, 'src', 'index.ts') };
  await esbuild.build({
    entryPoints,
    bundle: true,
    format: 'esm',
    platform,
    target: browser ? 'es2022' : 'node20',
    outdir,
    define: { ...reg.laneDefines(resolved), HZ3_BUILD_ID: String(sourceHash()) },
    plugins: browser ? [browserPlatform] : [],
    minifySyntax: true,
    treeShaking: true,
    legalComments: 'none',
    logLevel: 'error',
  });
  if (browser) for (const name of Object.keys(entryPoints)) checkBrowserBundle(join(outdir, `${name}.js`));
  writeFileSync(join(outdir, 'lane.json'), JSON.stringify(resolved, null, 2) + '\n');
  return { outdir, entry: join(outdir, browser ? 'browser.js' : 'index.js'), resolved };
}

export async function buildLanes(names) {
  const reg = await loadRegistry();
  const lanes = names ?? Object.keys(reg.LANES);
  for (const lane of lanes) {
    await buildLane(lane);
    await buildLane(lane, {}, undefined, { platform: 'browser' });
  }
  console.log(`[hakozuna] built lanes: ${lanes.join(', ')} -> dist/lanes/<lane>/index.js (Node) and browser.js`);
}
