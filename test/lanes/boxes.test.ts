/**
 * The release boxes, driven by hand: S55-3B's delayed, still-free-checked
 * release (including head/tail wrap past 2^32) and S61's thread-exit purge.
 */
import { describe, expect, it } from 'vitest';
import { laneBundle } from '../helpers/lanes.ts';
import { runWorker, workerScript } from '../helpers/workers.ts';
import { S_BOX_AREA } from '../../src/heap/layout.ts';

const RING_HEAD = 0;
const RING_TAIL = 1;

describe('S55-3B delayed subrelease', () => {
  for (const start of [0, 0xfffffff0]) {
    it(`releases only runs still free after DELAY_EPOCHS, skips reused ones (ring starts at ${start})`, async () => {
      const { lib } = await laneBundle('s55-3b', { HZ3_S55_3B_DELAYED_SUBRELEASE: 1, HZ3_EPOCH_REFILLS: 1 << 24 });
      const h = lib.createHeap({ maxBytes: 256 << 20 });
      const ring = h.thread.slotWord + S_BOX_AREA;
      h.u32[ring + RING_HEAD] = start;
      h.u32[ring + RING_TAIL] = start;
      const ps: number[] = [];
      for (let i = 0; i < 72; i++) ps.push(h.malloc(8192));
      for (const p of ps) h.free(p); // the 8 KiB bin's cap is 32: 40+ runs end up in central
      const e0 = h.maintain(); // schedules central's runs, stamped e0
      const box = () => h.report().boxes.find((b) => b.line === 'HZ3_S55_3B_DELAY')!.values;
      const scheduled = box().scheduled_pages / 2;
      expect(scheduled).toBeGreaterThan(20);
      expect((h.u32[ring + RING_TAIL] - h.u32[ring + RING_HEAD]) >>> 0).toBe(scheduled);
      // Reuse some: drain the cache, then take runs again (they come back from the segments).
      const again: number[] = [];
      for (let i = 0; i < 50; i++) again.push(h.malloc(8192)); // 32 from the cache, then runs back from segments
      // Before the delay: nothing is released.
      for (let e = e0 + 1; e < e0 + 8; e++) expect(h.maintain()).toBe(e);
      expect(box().madvise_calls).toBe(0);
      expect(box().drained_calls).toBe(0);
      h.maintain(); // e0 + 8: the delay has run out
      const v = box();
      expect(v.drained_calls).toBe(1);
      expect(v.reused_skips).toBeGreaterThan(0);
      expect(v.madvise_calls + v.reused_skips).toBe(scheduled);
      expect(h.u32[ring + RING_HEAD]).toBe(h.u32[ring + RING_TAIL]);
      if (start !== 0) expect(h.u32[ring + RING_TAIL]).toBeLessThan(start); // wrapped past 2^32
      // Reused runs were not touched: write, check, free.
      for (const p of again) h.u8.fill(7, p, p + 8192);
      for (const p of again) for (let j = 0; j < 8192; j += 64) expect(h.u8[p + j]).toBe(7);
      expect(h.check().problems).toEqual([]);
      expect(h.report().lines[0]).toMatch(
        /^\[HZ3_S55_3B_DELAY\] schedule_calls=\d+ scheduled_pages=\d+ dropped=\d+ drained_calls=\d+ madvise_calls=\d+ madvise_bytes=\d+ reused_skips=\d+$/,
      );
    });
  }

  it('drops new entries when the ring is full and counts them', async () => {
    const { lib } = await laneBundle('s55-3b', { HZ3_S55_3B_DELAYED_SUBRELEASE: 1, HZ3_EPOCH_REFILLS: 1 << 24 });
    const h = lib.createHeap({ maxBytes: 256 << 20 });
    const ring = h.thread.slotWord + S_BOX_AREA;
    h.u32[ring + RING_HEAD] = 5;
    h.u32[ring + RING_TAIL] = 5 + 250; // 250 of 256 taken (entries stamped epoch 0 ... they drain at epoch 8)
    const ps: number[] = [];
    for (let i = 0; i < 120; i++) ps.push(h.malloc(4096));
    for (const p of ps) h.free(p); // the 4 KiB bin's cap is 64: 56+ runs end up in central
    h.maintain();
    const v = h.report().boxes.find((b) => b.line === 'HZ3_S55_3B_DELAY')!.values;
    expect(v.scheduled_pages).toBe(6);
    expect(v.dropped).toBeGreaterThan(0);
    expect(h.check().problems).toEqual([]);
  });
});

describe('S61 thread-exit purge', () => {
  it('returns an exiting worker\'s memory to segments and releases fully free segments', async () => {
    const overrides = { HZ3_S61_THREAD_EXIT_PURGE: 1 };
    const { lib } = await laneBundle('s61', overrides);
    const script = await workerScript('stress-worker', 's61', overrides);
    const h = lib.createHeap({ maxBytes: 512 << 20 });
    const transfer = new SharedArrayBuffer(4 * 4);
    const control = new SharedArrayBuffer(64 * 4);
    const run = runWorker<{ slot: number }>(script, { handle: h.handle, transfer, control, id: 0, ops: 60_000, mode: 'normal' });
    await run.done;
    const slots = new Uint32Array(transfer);
    for (let i = 0; i < slots.length; i++) if (slots[i] !== 0) h.free(Atomics.exchange(slots, i, 0));
    await run.worker.terminate();
    const v = h.report().boxes.find((b) => b.line === 'HZ3_S61_THREAD_EXIT_PURGE')!.values;
    expect(v.purges).toBe(1);
    expect(v.returned_blocks).toBeGreaterThan(0);
    expect(v.freed_segments).toBeGreaterThan(0);
    expect(h.check().problems).toEqual([]);
    // Freed segments are reusable by any thread: a span of 4 MiB fits.
    const big = h.malloc(4 << 20);
    expect(big).toBeGreaterThan(0);
  });
});
