/**
 * No stranded memory: what one size class or thread frees serves every other
 * without trim(); EEXHAUSTED only when live blocks (and caches the heap cannot
 * reach, which are bounded) really fill the arena, and it says so in numbers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createHeap, HeapError, type Heap } from '../../src/index.ts';
import { MIN_CACHE_BYTES, FULL_CACHE_BYTES, cacheCaps, binSize, NUM_BINS } from '../../src/heap/size-classes.ts';
import { fill, freeAll } from '../helpers/fill.ts';
import { runWorker, workerScript } from '../helpers/workers.ts';


describe('freed memory serves every size class without trim()', () => {
  it('refills a heap emptied of 64-byte blocks with 128-byte, 8 KiB, large and 2 MiB blocks', () => {
    const h = createHeap({ maxBytes: 16 << 20 });
    const data = h.stats().dataBytes;
    const rounds: Array<[string, number[]]> = [
      ['64 B', [64]],
      ['128 B', [128]],
      ['8 KiB', [8192]],
      ['100 B', [100]],
      ['2 MiB', [2 << 20]],
      ['mixed', [48, 3000, 40_000, 16, 12_000]],
    ];
    const first = fill(h, rounds[0]![1]);
    expect(first.bytes).toBeGreaterThan(0.95 * data);
    freeAll(h, first.blocks);
    const dataSegments = h.stats().segmentsTotal;
    for (const [name, sizes] of rounds.slice(1)) {
      const r = fill(h, sizes);
      if (name === '2 MiB') {
        expect(r.blocks.length, 'a 2 MiB span takes two whole segments: every pair of free segments').toBe(Math.floor(dataSegments / 2));
      } else {
        // Rounding waste of a mix: 100 B -> 112 B, 3000 B -> 4 KiB, 40 000 B -> 40 960 B.
        const expected = name === 'mixed' ? 0.7 : name === '100 B' ? 0.85 : 0.95;
        expect(r.bytes, `${name} after 64 B`).toBeGreaterThan(expected * data);
      }
      freeAll(h, r.blocks);
    }
  });

  it('a program that changes phase (parse small, then build large) does not run out with nothing in use', () => {
    const h = createHeap({ maxBytes: 32 << 20 });
    const parse = fill(h, [24, 40, 72, 136, 264]);
    freeAll(h, parse.blocks);
    const build = fill(h, [200_000, 1 << 20]);
    expect(build.bytes).toBeGreaterThan(0.9 * h.stats().dataBytes);
    freeAll(h, build.blocks);
  });

  it('EEXHAUSTED tells where the bytes are, and only when live blocks fill the heap', () => {
    const h = createHeap({ maxBytes: 16 << 20 });
    const live = fill(h, [64]);
    let err: HeapError | undefined;
    try {
      h.malloc(128);
    } catch (e) {
      err = e as HeapError;
    }
    expect(err?.code).toBe('EEXHAUSTED');
    const m = /(\d+) are in live blocks/.exec(err!.message);
    expect(m, err!.message).not.toBeNull();
    expect(Number(m![1])).toBe(live.bytes);
    expect(err!.message).toContain('0 pages are free');
    // A failed call loses nothing: every block is intact and the heap sound.
    freeAll(h, live.blocks);
  });

  it('a large request that fails on fragmentation says so', () => {
    const h = createHeap({ maxBytes: 16 << 20 });
    const blocks = fill(h, [65536]).blocks;
    // Free every other block: half the pages are free, but no run longer than 16 pages.
    for (let i = 0; i < blocks.length; i += 2) h.free(blocks[i]!);
    let err: HeapError | undefined;
    try {
      h.malloc(100_000);
    } catch (e) {
      err = e as HeapError;
    }
    expect(err?.code).toBe('EEXHAUSTED');
    expect(err!.message).toContain('no run of 25 contiguous free pages');
    expect(err!.message).toMatch(/the longest free run is 16 pages/);
    for (let i = 1; i < blocks.length; i += 2) h.free(blocks[i]!);
    expect(h.check().problems).toEqual([]);
  });
});

describe('thread caches are bounded in bytes', () => {
  it('caps scale with threadCacheBytes and the bound is exact', () => {
    for (const budget of [0, MIN_CACHE_BYTES, 1 << 20, 4 << 20, FULL_CACHE_BYTES, 64 << 20]) {
      const { caps, boundBytes } = cacheCaps(budget);
      let sum = 0;
      for (let b = 0; b < NUM_BINS; b++) {
        expect(caps[b]).toBeGreaterThanOrEqual(1);
        sum += caps[b]! * binSize(b);
      }
      expect(sum).toBe(boundBytes);
      expect(boundBytes).toBeLessThanOrEqual(Math.max(budget, MIN_CACHE_BYTES));
    }
    const h = createHeap({ maxBytes: 16 << 20, threadCacheBytes: 1 << 20 });
    expect(h.stats().threadCacheBoundBytes).toBe(cacheCaps(1 << 20).boundBytes);
    expect(() => createHeap({ maxBytes: 16 << 20, threadCacheBytes: -1 })).toThrow(/threadCacheBytes must be a non-negative integer, got -1/);
  });

  let hoard = '';
  let phases = '';
  beforeAll(async () => {
    hoard = await workerScript('hoard-worker');
    phases = await workerScript('phase-worker');
  });

  it('a worker blocked outside the heap strands at most its bound, and the message says how much', async () => {
    const h = createHeap({ maxBytes: 32 << 20 });
    const control = new SharedArrayBuffer(8);
    const w = runWorker<{ type: string }>(hoard, { handle: h.handle, mode: 'blocked', threadCacheBytes: 1 << 20, control });
    const bound = await new Promise<number>((resolve) => w.worker.on('message', (m: { type: string; bound: number }) => m.type === 'ready' && resolve(m.bound)));
    expect(bound).toBe(cacheCaps(1 << 20).boundBytes);
    const first = fill(h, [64]);
    let err: HeapError | undefined;
    try {
      h.malloc(64);
    } catch (e) {
      err = e as HeapError;
    }
    const held = Number(/(\d+) are in 1 other thread\(s\)' caches/.exec(err!.message)?.[1]);
    expect(held, err!.message).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(bound);
    // Live blocks, the blocked thread's cache and partly used pages account for the whole data area.
    expect(first.bytes).toBeGreaterThan(h.stats().dataBytes - bound - (1 << 20));
    Atomics.store(new Int32Array(control), 0, 1);
    Atomics.notify(new Int32Array(control), 0);
    await w.done;
    const more = fill(h, [64]); // the worker answered at its next refill: its cache came back
    expect(more.bytes).toBeGreaterThan(0);
    freeAll(h, [...first.blocks, ...more.blocks]);
  });

  it('an idle worker gives its cache back when another thread runs short (heartbeat)', async () => {
    const h = createHeap({ maxBytes: 32 << 20 });
    const control = new SharedArrayBuffer(8);
    const w = runWorker<{ type: string }>(hoard, { handle: h.handle, mode: 'idle', control });
    await new Promise<void>((resolve) => w.worker.on('message', (m: { type: string }) => m.type === 'ready' && resolve()));
    const r = fill(h, [64]);
    expect(r.bytes).toBeGreaterThan(0.97 * h.stats().dataBytes);
    freeAll(h, r.blocks);
    Atomics.store(new Int32Array(control), 0, 1);
    await w.done;
  });

  it('3 workers fill, free and refill with rotated size mixes: each refill fits 95% of the first round', async () => {
    const h = createHeap({ maxBytes: 64 << 20 });
    const mixes = [
      [64, 128, 256],
      [8192, 16384],
      [65536, 131072],
    ];
    const barrier = new SharedArrayBuffer(8);
    const runs = [0, 1, 2].map((id) =>
      runWorker<{ filled: number[] }>(phases, { handle: h.handle, id, workers: 3, rounds: 3, mixes, barrier }),
    );
    const done = await Promise.all(runs.map((r) => r.done));
    await Promise.all(runs.map((r) => r.exited)); // each detaches as it exits
    const totals = [0, 1, 2].map((r) => done.reduce((s, d) => s + d.filled[r]!, 0));
    expect(totals[0]).toBeGreaterThan(0.9 * h.stats().dataBytes);
    expect(totals[1]).toBeGreaterThan(0.95 * totals[0]!);
    expect(totals[2]).toBeGreaterThan(0.95 * totals[0]!);
    expect(h.stats().bytesInUse).toBe(0);
    expect(h.check().problems.slice(0, 8)).toEqual([]);
  });
});

describe('heap.check() over the page books', () => {
  it('counts pages taken but never tagged (a dead thread\'s) as leaked, and reports a broken book as a problem', async () => {
    const { allocRun, segEntry } = await import('../../src/heap/segments.ts');
    const h = createHeap({ maxBytes: 16 << 20 });
    const p = h.malloc(100_000);
    expect(h.check()).toMatchObject({ problems: [], leakedPages: 0 });
    // As if a thread died right after taking 3 pages from its segment.
    allocRun(h.arena, h.thread.slotWord, h.thread.owner, 3, 1);
    expect(h.check()).toMatchObject({ problems: [], leakedPages: 3 });
    // A segment's free-page count that disagrees with its bitmap is a problem.
    const e = segEntry(h.arena, p >>> 20);
    h.arena.u32[e + 2]++; // SEG_FREE_PAGES
    expect(h.check().problems.join('\n')).toMatch(/free pages recorded, \d+ in its bitmap/);
    h.arena.u32[e + 2]--;
    // A large run never marked live (its thread died inside malloc) is leaked too: 25 pages.
    h.arena.gmap[p >>> 4] = 0;
    expect(h.check()).toMatchObject({ problems: [], leakedPages: 3 + 25 });
    h.arena.gmap[p >>> 4] = 1;
    // Live large pages that disagree with the recorded count are a problem.
    h.arena.u32[12]++; // H_LARGE_PAGES
    expect(h.check().problems.join('\n')).toMatch(/large runs hold 25 pages, 26 recorded/);
    h.arena.u32[12]--;
    h.free(p);
    expect(h.check().problems).toEqual([]);
  });
});
