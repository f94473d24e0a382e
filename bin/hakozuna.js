#!/usr/bin/env node
// The `hakozuna` command: a thin shim over dist/cli.js (built from src/lab/cli.ts
// by scripts/build-cli.mjs during `npm install` / `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write(
    `hakozuna: ${cli} is missing: the command is built at install time.\n` +
      `Run "npm install" (or "npm run build") in the hakozuna package first.\n`,
  );
  process.exit(1);
}
const { main } = await import(pathToFileURL(cli).href);
await main(process.argv);
