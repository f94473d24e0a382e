/**
 * The multi-worker workloads end to end, at --quick size, through runBench:
 * every workload on hakozuna and on one locked peer (TLSF over a shared wasm
 * memory), each in its own child process with its workers. The workloads' own
 * data checks run (mstress checks every word, larson writes and reads bytes,
 * burst_idle and xmalloc-test read back what they wrote); for hakozuna,
 * heap.check() must find no problem and bytesInUse must come back to its value
 * before the workload, which frees everything.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from '../../packages/lab/src/bench.ts';
import type { BenchResults } from '../../packages/lab/src/results.ts';
import type { MtRunRecord } from '../../packages/lab/src/mt-bench.ts';
import type { MtSummaryRow } from '../../packages/lab/src/mt-summary.ts';

const tmp = mkdtempSync(join(tmpdir(), 'hz-lab-mt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const WORKLOADS = ['mt_remote_small_r50', 'mt_remote_mixed_r90', 'larson', 'mstress', 'xmalloc_test', 'burst_idle', 'burst_idle_tail'];

describe('multi-worker workloads (--quick size)', () => {
  it('run on hakozuna and tlsf with their data checks, and hakozuna comes back clean', { timeout: 90_000 }, async () => {
    const outDir = join(tmp, 'out');
    const { results, report } = await runBench({
      quick: true,
      workloads: WORKLOADS,
      allocators: ['hakozuna', 'tlsf'],
      threads: [2],
      params: { 'larson.seconds': 0.2, 'xmalloc_test.seconds': 0.2 },
      outDir,
      buildDir: join(tmp, 'build'),
      print: false,
      progress: false,
      html: false,
      command: 'test: bench --quick mt',
    });
    const r = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as BenchResults;
    expect(r.workloads.map((w) => w.name)).toEqual(WORKLOADS.map((w) => `${w}_t2`));
    const runs = r.runs as MtRunRecord[];
    for (const w of WORKLOADS) {
      for (const a of ['hakozuna', 'tlsf']) {
        const run = runs.find((x) => x.workload === `${w}_t2` && x.allocator === a);
        expect(run, `${w} x ${a}`).toBeDefined();
        expect(run!.ok, `${w} x ${a}: ${run!.error} ${run!.stderr ?? ''}`).toBe(true);
        expect(run!.opsPerSec).toBeGreaterThan(0);
        expect(run!.threads).toBe(2);
        expect(run!.mt!.spec).toBe(w);
        expect(run!.rss!.timed!.count).toBeGreaterThanOrEqual(2);
        if (a === 'hakozuna') {
          const hc = run!.mt!.heapCheck!;
          expect(hc, `${w}: heap check`).toBeDefined();
          expect(hc.problems, `${w}: heap.check() problems`).toEqual([]);
          expect(hc.freedEverything).toBe(true);
          expect(hc.bytesInUseAfter, `${w}: bytesInUse back to its start value`).toBe(hc.bytesInUseBefore);
          expect(hc.ok).toBe(true);
          expect(run!.allocatorStats).toHaveProperty('residentBytes');
          expect(run!.mt!.releaseCallsPerSec).toBeGreaterThanOrEqual(0);
        }
      }
    }
    const metric = (w: string, a: string, k: string): number => runs.find((x) => x.workload === w && x.allocator === a)!.mt!.metrics[k]!;
    // mstress: both threads' blocks, every word checked; allocations == frees (checked in the workload too).
    expect(metric('mstress_t2', 'hakozuna', 'allocations')).toBe(metric('mstress_t2', 'tlsf', 'allocations'));
    expect(metric('mstress_t2', 'hakozuna', 'wordsChecked')).toBeGreaterThan(metric('mstress_t2', 'hakozuna', 'allocations'));
    // mt_remote: blocks did travel through the rings.
    expect(metric('mt_remote_small_r50_t2', 'hakozuna', 'ringFrees')).toBeGreaterThan(0);
    expect(metric('mt_remote_small_r50_t2', 'hakozuna', 'ringFrees')).toBe(metric('mt_remote_small_r50_t2', 'hakozuna', 'remoteSent'));
    // larson: quick rounds are short, so workers hand their slices on (thread churn).
    expect(metric('larson_t2', 'hakozuna', 'allocations')).toBeGreaterThan(0);
    expect(metric('larson_t2', 'hakozuna', 'threadsStarted')).toBeGreaterThanOrEqual(2);
    // xmalloc-test: frees of whole batches.
    expect(metric('xmalloc_test_t2', 'hakozuna', 'frees') % 4096).toBe(0);
    // burst_idle: an RSS reading at the end of every idle window.
    const bi = runs.find((x) => x.workload === 'burst_idle_t2' && x.allocator === 'hakozuna')!;
    expect(bi.mt!.series!.idleRss!.length).toBe(2);
    expect(bi.mt!.metrics.idleResidentMean).toBeGreaterThan(0);
    const row = (r.summary as MtSummaryRow[]).find((s) => s.workload === 'mstress_t2' && s.allocator === 'hakozuna')!;
    expect(row.mt!.heapCheckOk).toBe(true);
    expect(row.threads).toBe(2);
    expect(report).toContain('Multi-worker workloads');
    expect(report).toContain('mstress: wall time');
    expect(results.notes.filter((n) => /CHECK FAILED|FAILED/.test(n))).toEqual([]);
  });

  it('collects the one-shot box lines of lanes with boxes, and runs larson with one worker', { timeout: 60_000 }, async () => {
    const { results } = await runBench({
      quick: true,
      workloads: ['burst_idle_tail', 'larson'],
      allocators: ['hakozuna@s61', 'hakozuna@mem'],
      threads: [1],
      params: { 'larson.seconds': 0.2 },
      outDir: join(tmp, 'out2'),
      buildDir: join(tmp, 'build'),
      print: false,
      progress: false,
      html: false,
    });
    const runs = results.runs as MtRunRecord[];
    for (const r of runs) {
      expect(r.ok, `${r.workload} x ${r.allocator}: ${r.error}`).toBe(true);
      expect(r.mt!.heapCheck!.ok, `${r.workload} x ${r.allocator}`).toBe(true);
    }
    const s61 = runs.find((r) => r.workload === 'burst_idle_tail_t1' && r.allocator === 'hakozuna@s61')!;
    // 2 quick cycles, 1 worker each: two thread exits, two purges.
    expect(s61.mt!.boxLines!.join('\n')).toMatch(/^\[HZ3_S61_THREAD_EXIT_PURGE\] purges=2 /m);
    const mem = runs.find((r) => r.workload === 'burst_idle_tail_t1' && r.allocator === 'hakozuna@mem')!;
    expect(mem.mt!.boxLines!.join('\n')).toMatch(/^\[HZ3_DECAY_PURGE\] purges=\d+/m);
    // mem needs heap.maintain() while idle: it was called.
    expect(mem.mt!.metrics.maintainCalls).toBeGreaterThan(0);
    expect(s61.mt!.metrics.maintainCalls).toBe(0);
    expect(runs.some((r) => r.workload === 'larson_t1')).toBe(true);
  });
});
