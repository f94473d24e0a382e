/**
 * Many workers, one heap: data integrity under cross-thread frees, transfers,
 * a terminated worker, an uncaught error, and re-attach of a freed slot.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createHeap, type Heap } from '../../src/index.ts';
import { checkBlock } from '../workers/blocks.ts';
import { runWorker, waitFor, workerScript } from '../helpers/workers.ts';

let script = '';
beforeAll(async () => {
  script = await workerScript('stress-worker');
});

interface Done {
  id: number;
  slot: number;
  allocs: number;
  frees: number;
}

function shared(n: number): { transfer: SharedArrayBuffer; control: SharedArrayBuffer } {
  return { transfer: new SharedArrayBuffer(n * 4), control: new SharedArrayBuffer(64 * 4) };
}

/** The heap's own walk finds every carved block either free on a list or among `liveBlocks`. */
function expectSound(h: Heap, liveBlocks?: number): void {
  const c = h.check();
  expect(c.problems).toEqual([]);
  // Only a thread terminated between taking pages and tagging them leaves pages in no run.
  if (liveBlocks !== undefined) expect(c.leakedPages).toBe(0);
  if (liveBlocks !== undefined) expect(c.liveBlocks.reduce((s, n) => s + n, 0)).toBe(liveBlocks);
}

/** Free (with checks) every block left in the transfer array; returns how many. */
function drainTransfer(h: Heap, transfer: SharedArrayBuffer): number {
  const slots = new Uint32Array(transfer);
  let n = 0;
  for (let i = 0; i < slots.length; i++) {
    const p = Atomics.exchange(slots, i, 0);
    if (p === 0) continue;
    checkBlock(h, p, 'main');
    h.free(p);
    n++;
  }
  return n;
}

const totals = (ctl: Int32Array, ids: number[]): { allocs: number; frees: number } => ({
  allocs: ids.reduce((s, id) => s + ctl[1 + 4 * id], 0),
  frees: ids.reduce((s, id) => s + ctl[2 + 4 * id], 0),
});

describe('many workers, one heap', () => {
  it('4 workers swap and free each other\'s blocks with every block checked; allocations = frees', async () => {
    const h = createHeap({ maxBytes: 512 << 20 });
    const { transfer, control } = shared(1000);
    const ids = [0, 1, 2, 3];
    const runs = ids.map((id) => runWorker<Done>(script, { handle: h.handle, transfer, control, id, ops: 150_000, mode: 'normal' }));
    const done = await Promise.all(runs.map((r) => r.done));
    const slotsUsed = new Set(done.map((d) => d.slot));
    expect(slotsUsed.size).toBe(4);
    const left = drainTransfer(h, transfer);
    const ctl = new Int32Array(control);
    const t = totals(ctl, ids);
    expect(t.allocs).toBeGreaterThan(200_000);
    expect(t.allocs).toBe(t.frees + left);
    const s = h.stats();
    expect(s.bytesInUse).toBe(0);
    expect(s.threads).toBe(1); // only main: every worker detached
    expectSound(h, 0); // every carved block is back on a free list, each exactly once
    await Promise.all(runs.map((r) => r.worker.terminate()));
  });

  it('adopts a terminated worker: its blocks are freed by others, its slot is reused', async () => {
    const h = createHeap({ maxBytes: 512 << 20 });
    const { transfer, control } = shared(1000);
    const ctl = new Int32Array(control);
    const victim = runWorker<Done>(script, { handle: h.handle, transfer, control, id: 0, mode: 'forever' }, (w) => h.watch(w));
    victim.done.catch(() => undefined);
    const others = [1, 2].map((id) => runWorker<Done>(script, { handle: h.handle, transfer, control, id, ops: 100_000, mode: 'normal' }));
    // Let the victim fill the transfer array and run a while, then kill it mid-run.
    await waitFor(() => Atomics.load(ctl, 3) >= 50_000, victim, 'victim progress');
    await victim.worker.terminate();
    await Promise.all(others.map((r) => r.done));
    await new Promise((r) => setTimeout(r, 20)); // the watch() exit handler runs
    expect(h.stats().threads).toBe(1); // the victim's slot was adopted on its exit event
    // Its blocks in the transfer array are intact and free normally.
    const left = drainTransfer(h, transfer);
    expect(left).toBeGreaterThan(0);
    // A new worker attaches into a freed slot and works.
    const again = runWorker<Done>(script, { handle: h.handle, transfer, control, id: 3, ops: 50_000, mode: 'normal' });
    const d = await again.done;
    expect(d.slot).toBeLessThan(3);
    drainTransfer(h, transfer);
    // What stays in use is the victim's own live list (at most 400 blocks of at most ~233 KiB).
    const s = h.stats();
    expect(s.bytesInUse).toBeLessThanOrEqual(401 * 233_000);
    expectSound(h);
    expect(h.check().liveBytes).toBeLessThanOrEqual(401 * 32768);
    expect(h.locksStolen).toBeGreaterThanOrEqual(0);
    await again.worker.terminate();
  });

  it('a worker that dies of an uncaught error gives its state back by itself', async () => {
    const h = createHeap({ maxBytes: 256 << 20 });
    const { transfer, control } = shared(100);
    const r = runWorker<Done>(script, { handle: h.handle, transfer, control, id: 0, ops: 40_000, mode: 'throw' });
    await expect(r.done).rejects.toThrow(/deliberate/);
    await new Promise((res) => setTimeout(res, 50));
    expect(h.stats().threads).toBe(1);
    const left = drainTransfer(h, transfer);
    const ctl = new Int32Array(control);
    expect(ctl[1]).toBe(ctl[2] + left);
    expect(h.stats().bytesInUse).toBe(0);
    expectSound(h, 0);
  });

  it('survives workers killed at random points: no block duplicated, no list broken, locks taken over', async () => {
    for (let iter = 0; iter < 8; iter++) {
      const h = createHeap({ maxBytes: 256 << 20 });
      const { transfer, control } = shared(500);
      const victim = runWorker<Done>(script, { handle: h.handle, transfer, control, id: 0, mode: 'forever' }, (w) => h.watch(w));
      victim.done.catch(() => undefined);
      const other = runWorker<Done>(script, { handle: h.handle, transfer, control, id: 1, ops: 30_000, mode: 'normal' });
      await new Promise((r) => setTimeout(r, 20 + ((iter * 37) % 150)));
      expect(victim.error()).toBeUndefined();
      await victim.worker.terminate();
      await other.done;
      await new Promise((r) => setTimeout(r, 20));
      drainTransfer(h, transfer);
      expectSound(h); // every free list walks cleanly, each block once, counts agree
      expect(h.stats().threads).toBe(1);
    }
  });

  it('adopts a thread by lease when nobody watched it, and leaves live threads alone', async () => {
    const h = createHeap({ maxBytes: 256 << 20 });
    const { transfer, control } = shared(100);
    const ctl = new Int32Array(control);
    const r = runWorker<Done>(script, { handle: h.handle, transfer, control, id: 0, ops: 20_000, mode: 'no-detach' });
    await r.done; // finished without detaching; its heartbeat timer is unref'd so it exits
    await new Promise((res) => r.worker.once('exit', res));
    expect(h.stats().threads).toBe(1); // exit handler detached it
    const victim = runWorker<Done>(script, { handle: h.handle, transfer, control, id: 1, mode: 'forever' });
    victim.done.catch(() => undefined);
    await waitFor(() => Atomics.load(ctl, 3 + 4) >= 10_000, victim, 'victim progress');
    expect(h.reclaimDeadThreads({ leaseTimeoutMs: 5_000 })).toBe(0); // alive: lease is fresh
    await victim.worker.terminate();
    await new Promise((res) => setTimeout(res, 1_200));
    expect(h.reclaimDeadThreads({ leaseTimeoutMs: 1_000 })).toBe(1);
    expect(h.stats().threads).toBe(1);
    drainTransfer(h, transfer);
    expectSound(h);
  });
});
