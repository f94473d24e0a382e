// Builds one bundle per lane into dist/lanes/<lane>/ (flags baked in with esbuild
// `define`) and the type declarations into dist/types/: the library's whole build.
// First it writes src/config/globals.d.ts, the flags' global types, from the flag
// registry (test/lanes/flags.test.ts fails when the file is stale).
// The lab (the `hakozuna` command) builds itself: packages/lab/scripts/build.mjs.
// Usage: node scripts/build.mjs [lane ...]   (with lanes named: only those lanes)
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { buildLanes, loadRegistry, ROOT } from './lane-build.mjs';

const lanes = process.argv.slice(2);
await writeGlobals();
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
  // Anew each time: declarations of files that moved or went away must not stay in the package.
  rmSync(join(ROOT, 'dist', 'types'), { recursive: true, force: true });
  const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.types.json')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building the type declarations failed');
  console.log('[hakozuna] built type declarations -> dist/types/');
}

/** src/config/globals.d.ts from the registry, written only when it differs (it is part of the build id's sources). */
async function writeGlobals() {
  const file = join(ROOT, 'src', 'config', 'globals.d.ts');
  const text = (await loadRegistry()).globalsDeclarations();
  if (readFileSync(file, 'utf8') === text) return;
  writeFileSync(file, text);
  console.log('[hakozuna] wrote src/config/globals.d.ts from the flag registry');
}
