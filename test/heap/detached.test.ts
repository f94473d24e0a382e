/**
 * A detached Heap object is inert: every method that allocates, frees or
 * touches a thread slot throws EDETACHED, even while another thread holds the
 * slot the object used to hold; read-only calls keep reading the shared heap.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { attachHeap, createHeap, HeapError, type Heap } from '../../src/index.ts';
import { checkBlock } from '../workers/blocks.ts';
import { runWorker, workerScript } from '../helpers/workers.ts';

let script = '';
beforeAll(async () => {
  script = await workerScript('stress-worker');
});

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof HeapError ? e.code : `not a HeapError: ${String(e)}`;
  }
  return 'no error';
}

describe('a detached heap object', () => {
  it('refuses every call that acts, while another thread works in its old slot', async () => {
    const h = createHeap({ maxBytes: 128 << 20 });
    const old: Heap = attachHeap(h.handle);
    const oldSlot = old.slot;
    const kept = old.malloc(100);
    const big = old.malloc(64 * 1024);
    old.detach();
    const transfer = new SharedArrayBuffer(1000 * 4);
    const control = new SharedArrayBuffer(64 * 4);
    const w = runWorker<{ slot: number }>(script, { handle: h.handle, transfer, control, id: 0, ops: 200_000, mode: 'normal' });
    const acting: Array<[string, () => unknown]> = [
      ['malloc', () => old.malloc(16)],
      ['free', () => old.free(kept)],
      ['calloc above 32 KiB', () => old.calloc(1, 40_000)],
      ['calloc', () => old.calloc(4, 4)],
      ['alignedAlloc (large path)', () => old.alignedAlloc(8192, 100_000)],
      ['alignedAlloc', () => old.alignedAlloc(64, 64)],
      ['realloc in place', () => old.realloc(kept, 90)],
      ['realloc', () => old.realloc(kept, 5000)],
      ['realloc(0, n)', () => old.realloc(0, 10)],
      ['trim', () => old.trim()],
      ['maintain', () => old.maintain()],
      ['reclaimDeadThreads', () => old.reclaimDeadThreads({ leaseTimeoutMs: 0 })],
      ['watch', () => old.watch(w.worker)],
    ];
    let rounds = 0;
    const start = Date.now();
    while (Date.now() - start < 800) {
      for (const [name, fn] of acting) expect(code(fn), name).toBe('EDETACHED');
      rounds++;
      await new Promise((r) => setTimeout(r, 1));
    }
    // Read-only calls read the shared heap and say so: they work.
    expect(old.stats().threads).toBeGreaterThanOrEqual(1);
    expect(old.usableSize(kept)).toBe(112);
    expect(typeof old.report().lines.length).toBe('number');
    const done = await w.done;
    await w.exited;
    expect(done.slot).toBe(oldSlot); // the worker really held the old slot meanwhile
    expect(rounds).toBeGreaterThan(10);
    // Nothing the detached object was asked to do happened: its blocks are still live.
    h.free(kept);
    h.free(big);
    const slots = new Uint32Array(transfer);
    for (let i = 0; i < slots.length; i++) {
      const p = slots[i]!;
      if (p === 0) continue;
      checkBlock(h, p, 'main');
      h.free(p);
    }
    expect(h.check().problems).toEqual([]);
    expect(h.stats().bytesInUse).toBe(0);
  });
});
