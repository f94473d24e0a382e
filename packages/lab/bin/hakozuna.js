#!/usr/bin/env node
// The `hakozuna` command: a thin shim over dist/cli.js (built from src/lab/cli.ts
// by scripts/build-cli.mjs, shipped prebuilt in the package).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write(
    `hakozuna: ${cli} is missing: the command is built by "npm run build" (or "npm install" in a clone).\n` +
      `Run "npm install" (or "npm run build") in the hakozuna package first.\n`,
  );
  process.exit(1);
}

// The lab's subcommands build bundles with esbuild, which the library does not depend on.
const NEEDS_ESBUILD = new Set(['bench', 'ab', 'build', 'observe']);
const sub = process.argv.slice(2).find((a) => !a.startsWith('-'));
if (sub !== undefined && NEEDS_ESBUILD.has(sub) && !process.argv.includes('--list') && !process.argv.includes('--help') && !process.argv.includes('-h')) {
  try {
    import.meta.resolve('esbuild');
  } catch {
    process.stderr.write(`hakozuna ${sub}: the lab builds bundles with esbuild, which is not installed here; install it beside hakozuna: npm install --save-dev esbuild\n`);
    process.exit(1);
  }
}

const { main } = await import(pathToFileURL(cli).href);
await main(process.argv);
