/** `hakozuna build` and `hakozuna observe medium-waste`, run as a user runs them (the bin). */
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'packages', 'lab', 'bin', 'hakozuna.js');
const tmp = mkdtempSync(join(tmpdir(), 'hz-cli-lanes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root });

describe('hakozuna build', () => {
  it('builds a custom lane from NAME=VALUE flags, with its flags recorded', () => {
    const r = run('build', '--lane', 'my-ab', '--flag', 'HZ3_S56_MEDIUM_WASTE_OBSERVE=1', '--out', tmp);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('flags that differ from the defaults: HZ3_S56_MEDIUM_WASTE_OBSERVE=1');
    const lane = JSON.parse(readFileSync(join(tmp, 'my-ab', 'lane.json'), 'utf8'));
    expect(lane.lane).toBe('my-ab');
    expect(lane.flags.HZ3_S56_MEDIUM_WASTE_OBSERVE).toBe(1);
    expect(readFileSync(join(tmp, 'my-ab', 'index.js'), 'utf8')).toContain('observeMediumRequest');
  });

  it('refuses unknown flags and bad values with the reason, and lists the registry', () => {
    const bad = run('build', '--lane', 'x', '--flag', 'HZ3_NOPE=1', '--out', tmp);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/unknown flag HZ3_NOPE; known flags: HZ3_FREE_CHECKS/);
    expect(existsSync(join(tmp, 'x'))).toBe(false);
    const range = run('build', '--lane', 'y', '--flag', 'HZ3_FREE_CHECKS=2', '--out', tmp);
    expect(range.stderr).toMatch(/HZ3_FREE_CHECKS=2 is out of range \[0, 1\]/);
    const needs = run('build', '--lane', 'z', '--base', 'fast', '--flag', 'HZ3_SAFE_ATOMIC_CHECKS=1', '--out', tmp);
    expect(needs.status).toBe(1);
    expect(needs.stderr).toMatch(/HZ3_SAFE_ATOMIC_CHECKS=1 requires HZ3_FREE_CHECKS on, but lane z \(from fast\) has HZ3_FREE_CHECKS=0/);
    expect(existsSync(join(tmp, 'z'))).toBe(false);
    const list = run('build', '--list');
    expect(list.stdout).toMatch(/^HZ3_S56_MEDIUM_WASTE_OBSERVE=0 {2}\[observe, 0\.\.1\]/m);
    expect(list.stdout).toMatch(/^research: /m);
  });
});

describe('hakozuna observe medium-waste', () => {
  it('runs workloads in the research lane and prints the observer lines and the verdict', { timeout: 120_000 }, () => {
    const r = run('observe', 'medium-waste', '--bench', 'mstress,larson', '--quick', '--out', join(tmp, 'obs'));
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines).toContain('# mstress_t2');
    expect(lines.filter((l) => /^\[HZ3_MEDIUM_WASTE_OBS\] req=\d+ alloc=\d+ waste=\d+ waste_pct=\d+\.\d\d$/.test(l)).length).toBe(2);
    expect(lines.filter((l) => l.startsWith('[HZ3_S49_PACK] hit=')).length).toBe(2);
    expect(lines.at(-2)).toBe('# all inputs');
    expect(lines.filter((l) => l.startsWith('[HZ3_S56_VERDICT] waste_pct=')).length).toBe(3);
  });

  it('says what is missing when given nothing to observe', () => {
    const r = run('observe', 'medium-waste');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--bench.*--script/);
  });
});
