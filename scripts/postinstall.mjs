// Runs at every install of the package (npm's postinstall). Nothing here may fail the install.
//
// - Always: the native release addon (scripts/build-native.mjs; one line when it cannot build).
// - In a development checkout (the package is not inside a node_modules): the lane
//   bundles and the type declarations (scripts/build.mjs), then the lab workspace
//   (packages/lab/scripts/build.mjs: its wasm peers and the `hakozuna` CLI), so
//   `npm install && npx hakozuna bench` works.
//   A packed tarball already holds those (`prepack` builds them), so an installed
//   package only builds the addon.
// - If the lane bundles are missing all the same (a clone installed as a dependency
//   without its devDependencies), say in one line what to run.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join, sep } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const installed = root.split(sep).includes('node_modules');

function run(step) {
  const file = join(root, step);
  if (!existsSync(file)) return;
  const r = spawnSync(process.execPath, [file], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) console.warn(`[hakozuna] set-up step ${step} failed (exit ${r.status}); continuing`);
}

function hasEsbuild() {
  try {
    createRequire(join(root, 'package.json')).resolve('esbuild');
    return true;
  } catch {
    return false;
  }
}

run('scripts/build-native.mjs');
if (!installed && hasEsbuild()) {
  run('scripts/build.mjs');
  run('packages/lab/scripts/build.mjs');
}
if (!existsSync(join(root, 'dist', 'lanes', 'scale', 'index.js'))) {
  console.warn(`[hakozuna] ${join(root, 'dist')} is not built (esbuild is not installed here): run "npm install && npm run build" in ${root}`);
}
