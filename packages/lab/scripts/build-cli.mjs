// Bundles the `hakozuna` command (src/cli.ts of the lab) to dist/cli.js, which
// bin/hakozuna.js imports. scripts/build.mjs calls buildCli(); it can also run
// alone: node scripts/build-cli.mjs. The library's sources the CLI uses
// (hakozuna/src/config/flags.ts, hakozuna/src/platform/release.ts) are bundled in; the
// lab's dependencies stay imports.
import * as esbuild from 'esbuild';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_OUT = join(ROOT, 'dist', 'cli.js');

/** Build the CLI bundle; `outfile` defaults to dist/cli.js (tests build elsewhere). */
export async function buildCli({ outfile = CLI_OUT } = {}) {
  await esbuild.build({
    entryPoints: [join(ROOT, 'src', 'cli.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile,
    external: ['esbuild', 'commander', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)],
    // Anything CommonJS bundled in may require Node built-ins: give the ESM bundle a require.
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
