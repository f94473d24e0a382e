/**
 * Heap RSS, pooled threads and the native runner, on real runs where that is
 * the point and on synthetic inputs where the logic is pure:
 * - the RSS sampler measures a SharedArrayBuffer's resident pages (mincore,
 *   through the release addon, from its own worker thread) at every sample;
 * - a bench run in record-only mode (HAKOZUNA_NO_ADDON=1) reports heap RSS as
 *   the allocator's own account, and says so; the A/B verdict names it too;
 * - pooled mode runs larson and mstress with threads that attach to and detach
 *   from the heap in workers that are reused (slots reused, one thread left
 *   attached at the end), spawn mode starts a Worker per thread, and the report
 *   puts both side by side; the C versions run on glibc (and mimalloc when it is
 *   installed);
 * - a preloaded malloc whose library is missing is skipped with a one-line note.
 * No assertion depends on timing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from '../../packages/lab/src/bench.ts';
import { startRssSampler } from '../../packages/lab/src/rss-sampler.ts';
import { releaseMode } from '../../src/platform/release.ts';
import { abVerdict } from '../../packages/lab/src/verdict.ts';
import { findLibrary, preloadLaunch } from '../../packages/lab/src/native.ts';
import type { BenchResults } from '../../packages/lab/src/results.ts';
import type { MtRunRecord } from '../../packages/lab/src/mt-bench.ts';

const root = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'hz-lab-heaprss-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const hasCore = existsSync(join(root, 'src', 'index.ts'));
const MiB = 1 << 20;

describe('the RSS sampler measures a heap buffer at every sample', () => {
  it.skipIf(releaseMode !== 'madvise')('mincore of a SharedArrayBuffer, from the sampler thread, follows the pages touched', async () => {
    const bytes = 64 * MiB;
    const buffer = new SharedArrayBuffer(bytes, { maxByteLength: bytes }); // page-aligned, as hakozuna's arena
    const u8 = new Uint8Array(buffer);
    const sampler = await startRssSampler({ intervalMs: 10 });
    const source = await sampler.watchHeap({ label: 'test buffer', buffer, metadata: { offset: 0, bytes: MiB }, data: { offset: MiB, bytes: bytes - MiB } });
    expect(source).toBe('mincore');
    for (let i = MiB; i < MiB + 8 * MiB; i += 4096) u8[i] = 1; // 8 MiB of data pages
    u8[0] = 1; // one metadata page
    // Wait for the sampler thread's own samples (not the main thread's), however slow the machine is.
    const t0 = sampler.now();
    while (sampler.now() - t0 < 60) await new Promise((r) => setTimeout(r, 10));
    sampler.sampleNow();
    const series = await sampler.stop();
    const heap = series.heap!;
    expect(heap.source).toBe('mincore');
    expect(heap.note).toMatch(/mincore/);
    expect(heap.samples.length).toBeGreaterThanOrEqual(3);
    const last = heap.samples[heap.samples.length - 1]!;
    expect(last[1]).toBe(4096); // metadata: the one page
    expect(last[2]).toBe(8 * MiB); // data: exactly the pages touched
    expect(last[3]).toBeNull(); // no account word in this probe
    // Every sample from watchHeap on has a heap figure, at the same times as a process RSS sample.
    const times = new Set(series.samples.map((s) => s[0]));
    for (const s of heap.samples) expect(times.has(s[0])).toBe(true);
  });
});

describe('the A/B verdict names what it gated', () => {
  const pair = (heapA: number, heapB: number, source: 'mincore' | 'account') => ({
    a: { speed: 100, rssMean: 100 * MiB, heapRssMean: heapA, heapRssSource: source },
    b: { speed: 100, rssMean: 99 * MiB, heapRssMean: heapB, heapRssSource: source },
  });
  it('heap RSS, with process RSS beside it; record-only says it is the allocator account', () => {
    const v = abVerdict([pair(10 * MiB, 9.5 * MiB, 'mincore')]);
    expect(v).toMatchObject({ verdict: 'NO-GO', rssBasis: 'heap', heapRssSource: 'mincore', failed: ['rss'] });
    expect(v.rssRatio).toBeCloseTo(0.95, 12);
    expect(v.processRssRatio).toBeCloseTo(0.99, 12);
    expect(v.reasons[0]).toMatch(/^heap RSS: mean heap RSS -5\.0% \(B\/A 0\.950\), needs -10\.0% or better: short by 5\.0 points; process RSS -1\.0%/);
    const go = abVerdict([pair(10 * MiB, 8 * MiB, 'account')]);
    expect(go).toMatchObject({ verdict: 'GO', heapRssSource: 'account' });
    expect(go.reasons[0]).toMatch(/mean heap RSS \(record-only mode: no mincore, the allocator's own account stats\(\)\.residentBytes\) -20\.0%/);
  });
});

describe.skipIf(!hasCore)('bench runs', () => {
  it('record-only mode: heap RSS is the allocator account, and the run says so', { timeout: 60_000 }, async () => {
    const saved = process.env.HAKOZUNA_NO_ADDON;
    process.env.HAKOZUNA_NO_ADDON = '1'; // the children inherit it: no addon, no mincore
    try {
      const { results, report } = await runBench({
        quick: true,
        workloads: ['small'],
        allocators: ['hakozuna', 'tlsf'],
        outDir: join(tmp, 'record-only'),
        buildDir: join(tmp, 'build'),
        print: false,
        progress: false,
        html: false,
      });
      const hz = results.runs.find((r) => r.allocator === 'hakozuna')!;
      expect(hz.ok, hz.error).toBe(true);
      expect(hz.heapRss!.source).toBe('account');
      expect(hz.heapRss!.note).toMatch(/record-only mode \(releaseMode record-only: HAKOZUNA_NO_ADDON set\).*stats\(\)\.residentBytes/);
      // The account at the last sample is what stats() said at the end of the run.
      const last = hz.heapRss!.samples[hz.heapRss!.samples.length - 1]!;
      expect(last[1]).toBeNull();
      expect(last[2]).toBeNull();
      expect(last[3]).toBe(hz.allocatorStats!.residentBytes);
      expect(hz.heapRss!.timed!.mean).toBeGreaterThan(0);
      // tlsf over a private (non-shared) memory: no heap RSS of that kind.
      expect(results.runs.find((r) => r.allocator === 'tlsf')!.heapRss).toBeUndefined();
      expect(report).toMatch(/\* record-only mode \(no release addon, so no mincore\): the allocator's own account/);
      expect(report).toMatch(/random_mixed_small\s+tlsf\s.*\sn\/a\s+n\/a\s*$/m);
    } finally {
      if (saved === undefined) delete process.env.HAKOZUNA_NO_ADDON;
      else process.env.HAKOZUNA_NO_ADDON = saved;
    }
  });

  it('pooled threads attach and detach in reused workers; spawn starts a Worker per thread; C runs beside them', { timeout: 90_000 }, async () => {
    const outDir = join(tmp, 'threads');
    const { report } = await runBench({
      quick: true,
      workloads: ['larson', 'mstress'],
      allocators: ['hakozuna', 'glibc', 'mimalloc'],
      threads: [2],
      threadsModes: ['pooled', 'spawn'],
      // Short thread lives (10 rounds of 5000 blocks), so that threads hand over however slow the machine is.
      params: { 'larson.seconds': 0.2, 'larson.rounds': 10 },
      outDir,
      buildDir: join(tmp, 'build'),
      print: false,
      progress: false,
    });
    const r = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as BenchResults;
    expect(r.workloads.map((w) => w.name)).toEqual(['larson_t2', 'larson_t2_spawn', 'mstress_t2', 'mstress_t2_spawn']);
    const runs = r.runs as MtRunRecord[];
    const run = (w: string, a: string): MtRunRecord => {
      const x = runs.find((y) => y.workload === w && y.allocator === a);
      expect(x, `${w} x ${a}`).toBeDefined();
      expect(x!.ok, `${w} x ${a}: ${x!.error} ${x!.stderr ?? ''}`).toBe(true);
      return x!;
    };
    for (const w of ['larson_t2', 'mstress_t2']) {
      const pooled = run(w, 'hakozuna');
      const t = pooled.mt!.threadStarts!;
      expect(pooled.mt!.threadsMode).toBe('pooled');
      // Every thread start ran in one of the pool's workers: more threads than workers, so workers (and slots) were reused.
      expect(t.poolSize).toBe(w === 'mstress_t2' ? 1 : 2);
      expect(t.poolGrown).toBe(0);
      expect(t.workers).toBe(t.poolSize);
      expect(t.starts).toBeGreaterThan(t.poolSize!);
      expect(t.reattached).toBeGreaterThan(0);
      expect(t.detaches).toBe(t.attaches);
      expect(t.slots).toBeLessThanOrEqual(t.poolSize!);
      // After the run only the main thread holds a slot: every pooled thread detached.
      expect(pooled.allocatorStats!.threads).toBe(1);
      expect(pooled.mt!.heapCheck!.ok).toBe(true);
      // Heap RSS of the arena at the samples of the measured window, from mincore.
      expect(pooled.heapRss!.source).toBe('mincore');
      expect(pooled.heapRss!.timed!.count).toBeGreaterThanOrEqual(2);
      expect(pooled.heapRss!.timed!.mean).toBeGreaterThan(0);

      const spawned = run(`${w}_spawn`, 'hakozuna');
      const s = spawned.mt!.threadStarts!;
      expect(s.mode).toBe('spawn');
      expect(s.workers).toBe(s.starts); // a new Worker each
      expect(s.reattached).toBe(0);
      expect(s.poolSize).toBeUndefined();
      expect(spawned.allocatorStats!.threads).toBe(1);
      expect(spawned.mt!.heapCheck!.ok).toBe(true);

      // The C version on glibc, under the pooled run name only; mimalloc when its library is installed.
      const c = run(w, 'glibc');
      expect((c.mt as unknown as { malloc: string }).malloc).toBe('glibc');
      expect(c.mt!.metrics.allocations).toBeGreaterThan(0);
      expect(runs.some((y) => y.workload === `${w}_spawn` && y.allocator === 'glibc')).toBe(false);
      const mi = r.allocators.find((a) => a.id === 'mimalloc')!;
      if (mi.status === 'ok') expect((run(w, 'mimalloc').mt as unknown as { malloc: string }).malloc).toBe('mimalloc');
      else expect(mi.note).toMatch(/^mimalloc: libmimalloc\.so\.2 not found \(Debian: apt-get install libmimalloc2\.0\): skipped$/);
    }
    // mstress: the C port checks every word and makes as many allocations as the JS one.
    expect(run('mstress_t2', 'glibc').mt!.metrics.allocations).toBe(run('mstress_t2', 'hakozuna').mt!.metrics.allocations);
    expect(report).toContain('Thread starts of the multi-worker runs');
    expect(report).toMatch(/Pooled vs spawn[^\n]*\n.*\n.*\nlarson_t2\s+hakozuna\s/);
    const html = readFileSync(join(outDir, 'report.html'), 'utf8');
    expect(html).toContain('class="chart line-chart heap-chart"');
    expect(html).toContain('pooled-vs-spawn');
  });
});

describe('the native runner', () => {
  it('skips a preloaded malloc whose library is missing, with a one-line note', () => {
    expect(findLibrary(['libhakozuna-no-such-malloc.so.9'])).toBeUndefined();
    const l = preloadLaunch({ bench: '/x/bench-native', mtFile: '/x/bench-native-mt' }, 'nosuch', { name: 'nosuch', sonames: ['libnosuch.so.1'], debianPackage: 'libnosuch1' });
    expect(l).toEqual({ kind: 'skip', note: 'nosuch: libnosuch.so.1 not found (Debian: apt-get install libnosuch1): skipped' });
    const found = preloadLaunch({ bench: '/x/b', mtFile: '/x/m' }, 'fake', { name: 'fake', sonames: ['libfake.so'], debianPackage: 'libfake' }, () => '/lib/libfake.so');
    expect(found).toEqual({ kind: 'exec', file: '/x/b', mtFile: '/x/m', env: { LD_PRELOAD: '/lib/libfake.so' }, malloc: 'fake', library: '/lib/libfake.so' });
  });
});
