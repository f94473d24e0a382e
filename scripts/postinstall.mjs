// `npm install` does all set-up: the native release addon (with a fallback when it
// cannot build), then the lane bundles. Nothing here may fail the install.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const step of ['build-native.mjs', 'build-peers.mjs', 'build.mjs']) {
  const file = join(root, 'scripts', step);
  if (!existsSync(file)) continue;
  const r = spawnSync(process.execPath, [file], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) console.warn(`[hakozuna] set-up step ${step} failed (exit ${r.status}); continuing`);
}
