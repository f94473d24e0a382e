// Builds one bundle per lane into dist/lanes/<lane>/ (flags baked in with esbuild
// `define`), and the CLI into dist/cli.js. Usage: node scripts/build.mjs [lane ...]
import { buildLanes } from './lane-build.mjs';
import { buildCli } from './build-cli.mjs';

const lanes = process.argv.slice(2);
await buildLanes(lanes.length > 0 ? lanes : undefined);
if (lanes.length === 0) await buildCli();
