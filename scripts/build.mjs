// Builds one bundle per lane into dist/lanes/<lane>/ (flags baked in with esbuild
// `define`), the type declarations into dist/types/, and the CLI into dist/cli.js.
// Usage: node scripts/build.mjs [lane ...]   (with lanes named: only those lanes)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { buildLanes, ROOT } from './lane-build.mjs';
import { buildCli } from './build-cli.mjs';

const lanes = process.argv.slice(2);
await buildLanes(lanes.length > 0 ? lanes : undefined);
if (lanes.length === 0) {
  await buildCli();
  buildTypes();
}

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
