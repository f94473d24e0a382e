/** The `hakozuna` command: argument parsing, the bundled CLI and the bin shim. */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from 'commander';
import { intArg } from '../../packages/lab/src/cli.ts';
import { flagArg } from '../../packages/lab/src/cli-args.ts';

const root = join(import.meta.dirname, '..', '..');
const lab = join(root, 'packages', 'lab');
// Inside the lab package (dist/ is ignored by git) so the bundle finds the lab and commander.
mkdirSync(join(lab, 'dist'), { recursive: true });
const tmp = mkdtempSync(join(lab, 'dist', '.lab-cli-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('hakozuna CLI', () => {
  it('parses counts', () => {
    expect(intArg('20000000')).toBe(20_000_000);
    expect(intArg('20_000_000')).toBe(20_000_000);
    expect(intArg('2e7')).toBe(20_000_000);
    expect(intArg('20M')).toBe(20_000_000);
    expect(intArg('200k')).toBe(200_000);
    for (const bad of ['0', '-5', '1.5', 'abc', '']) expect(() => intArg(bad)).toThrow(/positive integer/);
  });

  it('parses --flag NAME=VALUE with the flag registry\'s parser', () => {
    expect(flagArg('HZ3_FREE_CHECKS=false', { HZ3_EPOCH_MS: 50 })).toEqual({ HZ3_EPOCH_MS: 50, HZ3_FREE_CHECKS: 0 });
    expect(() => flagArg('HZ3_NOPE=1')).toThrow(InvalidArgumentError);
    expect(() => flagArg('HZ3_NOPE=1')).toThrow(/unknown flag HZ3_NOPE/);
    expect(() => flagArg('HZ3_FREE_CHECKS=2')).toThrow(/out of range/);
    expect(() => flagArg('HZ3_FREE_CHECKS')).toThrow(/must be written NAME=VALUE/);
  });

  it('the bin shim runs the bundled CLI, and says what to do when it is missing', { timeout: 30_000 }, async () => {
    const bin = join(tmp, 'pkg', 'bin');
    mkdirSync(bin, { recursive: true });
    copyFileSync(join(lab, 'bin', 'hakozuna.js'), join(bin, 'hakozuna.js'));
    const missing = spawnSync(process.execPath, [join(bin, 'hakozuna.js'), 'bench', '--help'], { encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/dist\/cli\.js is missing[\s\S]*npm install/);

    const { buildCli } = (await import(pathToFileURL(join(lab, 'scripts', 'build-cli.mjs')).href)) as {
      buildCli: (o: { outfile: string }) => Promise<string>;
    };
    await buildCli({ outfile: join(tmp, 'pkg', 'dist', 'cli.js') });
    const help = spawnSync(process.execPath, [join(bin, 'hakozuna.js'), 'bench', '--help'], { encoding: 'utf8' });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('--allocators <list>');
    expect(help.stdout).toContain('--quick');
    const bad = spawnSync(process.execPath, [join(bin, 'hakozuna.js'), 'bench', '--iterations', 'lots'], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/positive integer/);
  });
});
