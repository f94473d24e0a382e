/**
 * The safe lane: free claims the granule mark with compareExchange, so when two
 * threads free the same blocks at the same moment exactly one free of each
 * block succeeds and the other gets EDOUBLE_FREE; the heap stays sound.
 */
import { describe, expect, it } from 'vitest';
import { laneBundle } from '../helpers/lanes.ts';
import { raceFrees, workerScript } from '../helpers/workers.ts';

describe('safe lane', () => {
  it('lets exactly one of two racing frees of a block succeed', async () => {
    const { lib } = await laneBundle('safe');
    const script = await workerScript('race-free-worker', 'safe');
    const h = lib.createHeap({ maxBytes: 128 << 20 });
    const n = 5_000;
    const ptrs = new Uint32Array(new SharedArrayBuffer(n * 4));
    for (let i = 0; i < n; i++) ptrs[i] = h.malloc([16, 48, 200, 1000, 5000][i % 5]);
    const race = await raceFrees(script, h.handle, ptrs);
    expect(race.other).toEqual([]);
    expect(race.won).toBe(n);
    expect(race.lost).toBe(n);
    expect(h.check().problems).toEqual([]);
    expect(h.stats().bytesInUse).toBe(0);
  });
});
