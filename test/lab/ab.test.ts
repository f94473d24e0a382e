/**
 * `hakozuna ab` end to end on two real lanes with tiny counts: the runs
 * alternate A B A B, each its own process; the JSON carries the pairs, the
 * ratios and the verdict; report.html is written beside it; `hakozuna report`
 * regenerates it; an unknown workload is refused with the known names.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runAb } from '../../packages/lab/src/ab.ts';
import type { BenchResults } from '../../packages/lab/src/results.ts';

const root = join(import.meta.dirname, '..', '..');
const lab = join(root, 'packages', 'lab');
const tmp = mkdtempSync(join(tmpdir(), 'hz-lab-ab-'));
// The CLI bundle must live inside the lab package so that it finds the lab (and commander).
mkdirSync(join(lab, 'dist'), { recursive: true });
const cliTmp = mkdtempSync(join(lab, 'dist', '.lab-ab-cli-test-'));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(cliTmp, { recursive: true, force: true });
});

const hasCore = existsSync(join(root, 'src', 'index.ts'));

async function cli(): Promise<(args: string[]) => ReturnType<typeof spawnSync>> {
  const bin = join(cliTmp, 'pkg', 'bin');
  mkdirSync(bin, { recursive: true });
  copyFileSync(join(lab, 'bin', 'hakozuna.js'), join(bin, 'hakozuna.js'));
  const { buildCli } = (await import(pathToFileURL(join(lab, 'scripts', 'build-cli.mjs')).href)) as {
    buildCli: (o: { outfile: string }) => Promise<string>;
  };
  await buildCli({ outfile: join(cliTmp, 'pkg', 'dist', 'cli.js') });
  return (args) => spawnSync(process.execPath, [join(bin, 'hakozuna.js'), ...args], { encoding: 'utf8' });
}

describe('hakozuna ab', () => {
  it.skipIf(!hasCore)('runs scale vs mem (+ a flag) alternately and writes pairs, ratios and a verdict', { timeout: 60_000 }, async () => {
    const outDir = join(tmp, 'ab');
    const { results, outFile, htmlFile, report } = await runAb({
      a: 'scale',
      b: 'mem',
      flagsB: { HZ3_S55_3_PAGE_BUDGET: 128 },
      workloads: ['small', 'medium'],
      pairs: 2,
      iterations: 200_000,
      outDir,
      buildDir: join(tmp, 'build'),
      print: false,
      progress: false,
      command: 'test: ab',
    });
    const r = JSON.parse(readFileSync(outFile, 'utf8')) as BenchResults;
    expect(r.schema).toBe('hakozuna-bench/1');
    expect(r.meta.options).toMatchObject({ repetitions: 2, iterations: 200_000 });
    const A = 'hakozuna@scale';
    const B = 'hakozuna@mem+HZ3_S55_3_PAGE_BUDGET=128';
    expect(r.allocators.map((a) => a.id)).toEqual([A, B]);
    // B was built from the mem lane with the override; A from scale.
    expect(r.allocators[1]!.lane).toMatchObject({ lane: 'mem', flags: { HZ3_DECAY_PURGE: 1, HZ3_S55_3_PAGE_BUDGET: 128 } });
    expect(r.allocators[0]!.lane).toMatchObject({ lane: 'scale', flags: { HZ3_DECAY_PURGE: 0 } });
    // A B A B: per workload and pair, A's run comes right before B's.
    const order = r.runs.map((x) => `${x.rep}:${x.workload}:${x.allocator === A ? 'A' : 'B'}`);
    expect(order).toEqual([
      '0:random_mixed_small:A', '0:random_mixed_small:B', '0:random_mixed_medium:A', '0:random_mixed_medium:B',
      '1:random_mixed_small:A', '1:random_mixed_small:B', '1:random_mixed_medium:A', '1:random_mixed_medium:B',
    ]);
    for (const x of r.runs) expect(x.ok, x.error).toBe(true);

    const ab = r.ab!;
    expect(ab).toBeDefined();
    expect(ab.schema).toBe('hakozuna-ab/1');
    expect(ab.a).toMatchObject({ id: A, lane: 'scale' });
    expect(ab.b).toMatchObject({ id: B, lane: 'mem', flags: { HZ3_S55_3_PAGE_BUDGET: 128 } });
    expect(ab.pairs).toBe(2);
    expect(ab.criteria).toEqual({ rssMaxRatio: 0.9, speedMinRatio: 0.98 });
    expect(ab.workloads.map((w) => w.workload)).toEqual(['random_mixed_small', 'random_mixed_medium']);
    for (const w of ab.workloads) {
      expect(w.metric).toBe('ops/s');
      expect(w.pairs).toHaveLength(2);
      for (const p of w.pairs) {
        expect(p.speedRatio).toBeCloseTo(p.b!.speed! / p.a!.speed!, 12);
        // Gated on heap RSS (the arena as mincore sees it); process RSS beside it.
        expect(p.a!.heapRssSource).toBe('mincore');
        expect(p.heapRssRatio).toBeCloseTo(p.b!.heapRssMean! / p.a!.heapRssMean!, 12);
        expect(p.rssRatio).toBe(p.heapRssRatio);
        expect(p.processRssRatio).toBeCloseTo(p.b!.rssMean! / p.a!.rssMean!, 12);
        expect(p.a!.releaseCallsPerSec).toBe(0); // scale never releases
      }
      expect(w.speedRatio).toBeGreaterThan(0);
      expect(w.rssRatio).toBeGreaterThan(0);
      expect(['GO', 'NO-GO']).toContain(w.verdict);
      expect(w.reasons.length).toBeGreaterThan(0);
      expect(w.rssBasis).toBe('heap');
      expect(w.reasons.join(' ')).toContain('heap RSS');
    }
    // B's lane has the S55-3 box: its stats give a release rate (how many calls depends on the epochs
    // a short run reaches, so only >= 0 here) and it prints its one-shot line at exit.
    const medium = ab.workloads[1]!;
    expect(medium.releaseCallsPerSec.b).toBeGreaterThanOrEqual(0);
    const bRun = r.runs.find((x) => x.workload === 'random_mixed_medium' && x.allocator === B)!;
    expect(bRun.oneShot?.some((l) => l.startsWith('[HZ3_DECAY_PURGE]'))).toBe(true);
    expect(['GO', 'NO-GO']).toContain(ab.verdict);
    expect(results.ab.verdict).toBe(ab.verdict);
    expect(report).toMatch(/A\/B verdict: A = hakozuna@scale, B = hakozuna@mem\+HZ3_S55_3_PAGE_BUDGET=128/);
    expect(report).toMatch(/heap RSS B\/A\s+process RSS B\/A\s+gated on/);
    expect(report).toContain('heap RSS (mincore)');

    expect(htmlFile).toBe(join(outDir, 'report.html'));
    const html = readFileSync(htmlFile, 'utf8');
    expect(html).toContain('A/B verdict');
    expect(html).toMatch(/class="verdict (go|nogo) big">(GO|NO-GO)</);
    expect(html).not.toMatch(/<script|<link|(src|href)="https?:/); // self-contained
    expect(readFileSync(join(outDir, 'report.txt'), 'utf8')).toContain('A/B pairs');

    // The CLI: `report` regenerates the HTML from the JSON; bad input is refused clearly.
    const hz = await cli();
    const again = join(tmp, 'again.html');
    const rep = hz(['report', outFile, '--out', again]);
    expect(rep.status, String(rep.stderr)).toBe(0);
    expect(statSync(again).size).toBeGreaterThan(10_000);
    const unknown = hz(['ab', '--a', 'scale', '--b', 'mem', '--bench', 'no_such_bench,small']);
    expect(unknown.status).toBe(1);
    expect(String(unknown.stderr)).toMatch(/unknown workload "no_such_bench"; known: .*random_mixed_small.*dist_app/);
    const notJson = hz(['report', join(outDir, 'report.txt')]);
    expect(notJson.status).toBe(1);
    expect(String(notJson.stderr)).toMatch(/cannot read/);
    const help = hz(['ab', '--help']);
    expect(String(help.stdout)).toMatch(/--pairs <n>[\s\S]*--flag-b <NAME=VALUE>/);
  });

  it('refuses an unknown workload before building anything, listing the known ones', async () => {
    await expect(runAb({ a: 'scale', b: 'mem', workloads: ['no_such_bench'], print: false, outDir: join(tmp, 'x') })).rejects.toThrow(
      /unknown workload "no_such_bench"; known: .*random_mixed_small.*random_mixed_medium.*random_mixed_mixed.*dist_app/,
    );
    await expect(runAb({ a: 'scale', b: 'mem', workloads: [], print: false })).rejects.toThrow(/at least one workload/);
    await expect(runAb({ a: 'scale', b: 'mem', flagsB: { NOPE: 1 }, workloads: ['small'], print: false })).rejects.toThrow(/--b mem: unknown flag NOPE/);
    await expect(runAb({ a: 'scale', b: 'fast', flagsB: { HZ3_SAFE_ATOMIC_CHECKS: 1 }, workloads: ['small'], print: false })).rejects.toThrow(
      /--b fast: flag HZ3_SAFE_ATOMIC_CHECKS=1 requires HZ3_FREE_CHECKS on, but lane fast has HZ3_FREE_CHECKS=0/,
    );
    await expect(runAb({ a: 'Bad Lane', b: 'mem', workloads: ['small'], print: false })).rejects.toThrow(/--a Bad Lane: lane name/);
    await expect(runAb({ a: 'tlsf', b: 'mem', flagsA: { HZ3_FREE_CHECKS: 0 }, workloads: ['small'], print: false })).rejects.toThrow(
      /hakozuna lanes only/,
    );
  });
});
