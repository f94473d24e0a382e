// Builds what the lab runs from: the wasm peers (scripts/build-peers.mjs, never
// fails) and the CLI bundle (scripts/build-cli.mjs -> dist/cli.js). Run by the
// repository's install and test (from the root), and by `prepack`, so the lab
// tarball ships both. Usage: node scripts/build.mjs
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli, CLI_OUT } from './build-cli.mjs';

const here = dirname(fileURLToPath(import.meta.url));
spawnSync(process.execPath, [join(here, 'build-peers.mjs')], { stdio: 'inherit' });
await buildCli();
console.log(`[hakozuna-lab] built ${CLI_OUT}`);
