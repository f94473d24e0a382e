/**
 * Large blocks are claimed atomically on free, in every lane: of two threads
 * freeing one large block at the same moment one succeeds and the other is
 * told the block is not live; the run goes back once, so no later allocation
 * is handed a live neighbour's pages, and the books (largeBytes, check()) agree.
 */
import { describe, expect, it } from 'vitest';
import { laneBundle } from '../helpers/lanes.ts';
import { raceFrees, workerScript } from '../helpers/workers.ts';
import { checkBlock, writeBlock } from '../workers/blocks.ts';

describe.each(['scale', 'fast', 'safe'])('racing frees of large blocks, %s lane', (lane) => {
  it('one of two lockstep frees wins; live neighbours and the page books survive', async () => {
    const { lib } = await laneBundle(lane);
    const script = await workerScript('race-free-worker', lane);
    const h = lib.createHeap({ maxBytes: 256 << 20 });
    const sizes = [40_000, 100_000, 2 << 20];
    const n = 150;
    const ptrs = new Uint32Array(new SharedArrayBuffer(n * 4));
    const neighbours: number[] = [];
    for (let i = 0; i < n; i++) {
      const size = sizes[i % sizes.length]!;
      ptrs[i] = h.malloc(size);
      const q = h.malloc(size); // a live neighbour, most often the very next run
      writeBlock(h, q, 4096, 0x1000 + i);
      neighbours.push(q);
    }
    const neighbourBytes = h.stats().largeBytes / 2;
    const race = await raceFrees(script, h.handle, ptrs);
    expect(race.other).toEqual([]);
    expect(race.won).toBe(n);
    expect(race.lost).toBe(n);
    expect(h.stats().largeBytes).toBe(neighbourBytes);
    expect(h.check().problems).toEqual([]);
    // The freed runs serve new blocks without touching a live neighbour.
    const fresh: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = h.malloc(sizes[i % sizes.length]!);
      writeBlock(h, p, 4096, 0x9000 + i);
      fresh.push(p);
    }
    neighbours.forEach((q) => checkBlock(h, q, 'neighbour'));
    fresh.forEach((p) => checkBlock(h, p, 'new block'));
    for (const p of [...neighbours, ...fresh]) h.free(p);
    expect(h.stats().largeBytes).toBe(0);
    expect(h.check().problems).toEqual([]);
  });
});
