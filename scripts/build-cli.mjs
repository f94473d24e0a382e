// Bundles the `hakozuna` command (src/lab/cli.ts) to dist/cli.js, which
// bin/hakozuna.js imports. scripts/build.mjs calls buildCli(); it can also run
// alone: node scripts/build-cli.mjs
import * as esbuild from 'esbuild';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_OUT = join(ROOT, 'dist', 'cli.js');

/** Build the CLI bundle; `outfile` defaults to dist/cli.js (tests build elsewhere). */
export async function buildCli({ outfile = CLI_OUT } = {}) {
  await esbuild.build({
    entryPoints: [join(ROOT, 'src', 'lab', 'cli.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile,
    // The CLI builds child bundles at run time with esbuild; commander stays a dependency.
    external: ['esbuild', 'commander', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)],
    legalComments: 'none',
    logLevel: 'error',
  });
  return outfile;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildCli();
  console.log(`[hakozuna] built ${CLI_OUT}`);
}
