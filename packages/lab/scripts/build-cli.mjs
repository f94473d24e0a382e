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
    // commander is bundled in (the package has no dependencies); esbuild, which the lab
    // uses at run time to build child bundles, is an optional peer dependency that
    // bin/hakozuna.js asks for when a subcommand needs it.
    external: ['esbuild', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)],
    // commander is CommonJS and requires Node built-ins: give the ESM bundle a require.
    banner: { js: "import { createRequire as __hzCreateRequire } from 'node:module'; const require = __hzCreateRequire(import.meta.url);" },
    legalComments: 'none',
    logLevel: 'error',
  });
  return outfile;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildCli();
  console.log(`[hakozuna] built ${CLI_OUT}`);
}
