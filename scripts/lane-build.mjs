// Lane bundles with esbuild. The flag registry is TypeScript; esbuild bundles it
// on the fly so this script needs no compile step.
import * as esbuild from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
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
    define: { ...reg.laneDefines(resolved), HZ3_BUILD_ID: String(sourceHash()) },
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
