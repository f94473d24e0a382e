/**
 * End to end: `bench --quick` over noop, gc and hakozuna, each run in its own
 * child process; the JSON must hold every workload x allocator with figures and
 * RSS samples. (Child bundles go to a temp build dir, so a bench running
 * beside the tests is not disturbed.)
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from '../../packages/lab/src/bench.ts';
import type { BenchResults } from '../../packages/lab/src/results.ts';
import { DEFAULT_WORKLOADS } from '../../packages/lab/bench/workloads/index.ts';

const tmp = mkdtempSync(join(tmpdir(), 'hz-lab-smoke-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const hasCore = existsSync(join(import.meta.dirname, '..', '..', 'src', 'index.ts'));

describe('bench --quick smoke', () => {
  it('runs noop, gc and hakozuna over every workload and writes the JSON', { timeout: 60_000 }, async () => {
    const outDir = join(tmp, 'out');
    const allocators = ['noop', 'gc', 'hakozuna'];
    const { outFile, report } = await runBench({
      quick: true,
      // The single-threaded suite (the multi-worker workloads have their own test: lab-mt-workloads).
      workloads: DEFAULT_WORKLOADS,
      allocators,
      outDir,
      buildDir: join(tmp, 'build'),
      print: false,
      progress: false,
      command: 'test: bench --quick',
    });
    expect(outFile).toBe(join(outDir, 'results.json'));
    const r = JSON.parse(readFileSync(outFile, 'utf8')) as BenchResults;
    expect(r.schema).toBe('hakozuna-bench/1');
    expect(r.meta.options).toMatchObject({ quick: true, repetitions: 1, iterations: 200_000 });
    expect(r.workloads.map((w) => w.name)).toEqual(DEFAULT_WORKLOADS);

    const ran = hasCore ? allocators : allocators.filter((a) => a !== 'hakozuna');
    if (!hasCore) expect(r.allocators.find((a) => a.id === 'hakozuna')?.status).toBe('skipped');
    for (const w of DEFAULT_WORKLOADS) {
      for (const a of ran) {
        const runs = r.runs.filter((x) => x.workload === w && x.allocator === a);
        expect(runs.length, `${w} x ${a}`).toBe(1);
        const run = runs[0]!;
        expect(run.ok, `${w} x ${a}: ${run.error}`).toBe(true);
        expect(run.opsPerSec).toBeGreaterThan(0);
        expect(run.rss!.samples.length).toBeGreaterThanOrEqual(4); // the worker's first sample + 4 marks at least
        for (const [t, bytes] of run.rss!.samples) {
          expect(t).toBeGreaterThanOrEqual(0);
          expect(bytes).toBeGreaterThan(1 << 20);
        }
        expect(run.rss!.timed!.count).toBeGreaterThanOrEqual(2);
        expect(run.maxRssBytes).toBeGreaterThanOrEqual(run.rss!.timed!.max * 0.9);
        const s = r.summary.find((x) => x.workload === w && x.allocator === a)!;
        expect(s.opsPerSec!.median).toBe(run.opsPerSec);
        expect(s.fractionOfFloor).toBeGreaterThan(0);
        if (a === 'noop') expect(s.nsAboveFloor).toBe(0);
      }
      if (hasCore) {
        const hz = r.summary.find((x) => x.workload === w && x.allocator === 'hakozuna')!;
        expect(hz.allocatorStats).toHaveProperty('residentBytes');
        expect(hz.allocatorStats).toHaveProperty('metadataBytes');
        expect(r.ratios.some((x) => x.workload === w && x.numerator === 'hakozuna' && x.denominator === 'gc')).toBe(true);
        expect(r.ratios.find((x) => x.workload === w && x.denominator === 'noop')?.target).toBe(0.75);
      }
    }
    expect(report).toContain('Throughput and RSS');
    expect(existsSync(join(outDir, 'report.md'))).toBe(true);
    expect(readFileSync(join(outDir, 'report.html'), 'utf8')).toMatch(/<svg class="chart line-chart rss-chart"/);
  });

  it('rejects unknown workloads and allocators before running anything', async () => {
    await expect(runBench({ workloads: ['nope'], print: false, outDir: join(tmp, 'x') })).rejects.toThrow(/unknown workload/);
    await expect(runBench({ allocators: ['malloc9'], print: false, outDir: join(tmp, 'x') })).rejects.toThrow(/unknown allocator/);
    await expect(runBench({ allocators: ['tlsf@fast'], print: false, outDir: join(tmp, 'x') })).rejects.toThrow(/only hakozuna/);
  });
});
