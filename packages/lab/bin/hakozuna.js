#!/usr/bin/env node
// The `hakozuna` command (package hakozuna-lab): a thin shim over dist/cli.js
// (built from src/cli.ts by scripts/build-cli.mjs; shipped prebuilt in the lab
// tarball, built by the install in a checkout of the repository).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const require = createRequire(import.meta.url);

// The lab runs the hakozuna library it depends on: say in one line what to install.
try {
  require.resolve('hakozuna/package.json');
} catch {
  process.stderr.write('hakozuna: the lab needs the hakozuna library beside it: npm install hakozuna\n');
  process.exit(1);
}

if (!existsSync(cli)) {
  // A checkout whose install did not build the CLI: build it now from the sources.
  const builder = fileURLToPath(new URL('../scripts/build-cli.mjs', import.meta.url));
  let built = false;
  if (existsSync(builder) && existsSync(fileURLToPath(new URL('../src/cli.ts', import.meta.url)))) {
    try {
      await (await import(pathToFileURL(builder).href)).buildCli();
      built = true;
    } catch (e) {
      process.stderr.write(`hakozuna: building ${cli} failed: ${e?.message ?? e}\n`);
    }
  }
  if (!built) {
    process.stderr.write(`hakozuna: ${cli} is missing: run "npm install" at the repository root (or "npm run build -w hakozuna-lab")\n`);
    process.exit(1);
  }
}

const { main } = await import(pathToFileURL(cli).href);
await main(process.argv);
