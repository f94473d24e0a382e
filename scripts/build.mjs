// Builds one bundle per lane into dist/lanes/<lane>/ (flags baked in with esbuild
// `define`) and the type declarations into dist/types/: the library's whole build.
// The lab (the `hakozuna` command) builds itself: packages/lab/scripts/build.mjs.
// Usage: node scripts/build.mjs [lane ...]   (with lanes named: only those lanes)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { buildLanes, ROOT } from './lane-build.mjs';

const lanes = process.argv.slice(2);
await buildLanes(lanes.length > 0 ? lanes : undefined);
if (lanes.length === 0) buildTypes();

/** dist/types/*.d.ts from the sources (needs the typescript devDependency; skipped with a note without it). */
function buildTypes() {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    console.warn('[hakozuna] typescript is not installed: type declarations not built (dist/types)');
    return;
  }
  const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.types.json')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building the type declarations failed');
  console.log('[hakozuna] built type declarations -> dist/types/');
}
