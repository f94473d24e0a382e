/**
 * The safe lane: free claims the granule mark with compareExchange, so when two
 * threads free the same blocks at the same moment exactly one free of each
 * block succeeds and the other gets EDOUBLE_FREE; the heap stays sound.
 */
import { describe, expect, it } from 'vitest';
import { laneBundle } from '../helpers/lanes.ts';
import { runWorker, workerScript } from '../helpers/workers.ts';

describe('safe lane', () => {
  it('lets exactly one of two racing frees of a block succeed', async () => {
    const { lib } = await laneBundle('safe');
    const script = await workerScript('race-free-worker', 'safe');
    const h = lib.createHeap({ maxBytes: 128 << 20 });
    const n = 5_000;
    const ptrs = new Uint32Array(new SharedArrayBuffer(n * 4));
    for (let i = 0; i < n; i++) ptrs[i] = h.malloc([16, 48, 200, 1000, 5000][i % 5]);
    const go = new Int32Array(new SharedArrayBuffer(8));
    const arrive = new SharedArrayBuffer(n * 4);
    const runs = [0, 1].map(() =>
      runWorker<{ won: number; lost: number; other: string[] }>(script, { handle: h.handle, ptrs: ptrs.buffer, go: go.buffer, arrive }),
    );
    while (Atomics.load(go, 1) < 2) await new Promise((r) => setTimeout(r, 1));
    Atomics.store(go, 0, 1);
    const [a, b] = await Promise.all(runs.map((r) => r.done));
    expect(a.other).toEqual([]);
    expect(b.other).toEqual([]);
    expect(a.won + b.won).toBe(n);
    expect(a.lost + b.lost).toBe(n);
    expect(h.check().problems).toEqual([]);
    expect(h.stats().bytesInUse).toBe(0);
  });
});
