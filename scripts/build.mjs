// Builds one bundle per lane into dist/lanes/<lane>/ (flags baked in with esbuild
// `define`), plus the worker-side entry. Usage: node scripts/build.mjs [lane ...]
import { buildLanes } from './lane-build.mjs';

const lanes = process.argv.slice(2);
await buildLanes(lanes.length > 0 ? lanes : undefined);
