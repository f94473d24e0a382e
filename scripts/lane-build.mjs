// Lane bundles with esbuild. The flag registry is TypeScript; esbuild bundles it
// on the fly so this script needs no compile step.
//
// Shipped in the package (with src/) so that a lane with other flags can be built
// from an installed hakozuna: the lab (hakozuna-lab) does that for every bundle it
// runs. esbuild is not a dependency of the library: the caller passes its own
// (`{ esbuild }`), or it is imported from wherever this file can resolve it.
// Nothing is written inside the package except by buildLanes (the package's own
// dist/lanes, at build time); buildLane writes only under `outRoot`.
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { relative } from 'node:path';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

let esbuildDefault;
async function esbuildOf(given) {
  if (given) return given;
  if (!esbuildDefault) {
    try {
      esbuildDefault = await import('esbuild');
    } catch {
      throw new Error('hakozuna lane-build: esbuild is not installed (npm install --save-dev esbuild), or pass { esbuild }');
    }
  }
  return esbuildDefault;
}

let registry;
/** The flag registry module (src/config/flags.ts), bundled in memory and imported from a data: URL (nothing written). */
export async function loadRegistry(esbuild) {
  if (registry) return registry;
  const r = await (await esbuildOf(esbuild)).build({
    entryPoints: [join(ROOT, 'src', 'config', 'flags.ts')],
    bundle: true, format: 'esm', platform: 'node', write: false, logLevel: 'error',
  });
  registry = await import(`data:text/javascript;base64,${Buffer.from(r.outputFiles[0].contents).toString('base64')}`);
  return registry;
}

/**
 * A hash of the allocator's sources (src/): the build id baked
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
        walk(p);
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
    build.onResolve({ filter: /(^|[\\/])index\.ts$/ }, (args) => {
      // Any import that resolves to it: '../platform/index.ts' from above, './index.ts' from inside (release.ts).
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
export async function buildLane(lane, overrides = {}, base, { outRoot = join(ROOT, 'dist', 'lanes'), entries, platform = 'node', esbuild: given } = {}) {
  const esbuild = await esbuildOf(given);
  const reg = await loadRegistry(esbuild);
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
