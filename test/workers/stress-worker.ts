/**
 * Multi-worker stress: allocate, fill, free locally, and swap blocks through a
 * shared transfer array so other threads free them (remote frees). Every block
 * is checked by whichever thread frees it.
 *
 * workerData: { handle, transfer: SAB (u32 slots), control: SAB (i32), id, ops,
 *               mode: 'normal' | 'forever' | 'throw' | 'no-detach' }
 * control words: [0] stop flag, [1 + 4*id] allocs, [2 + 4*id] frees, [3 + 4*id] progress
 */
import { parentPort, workerData } from 'node:worker_threads';
import { attachHeap } from '../../src/index.ts';
import { checkBlock, drawSize, rng, writeBlock } from './blocks.ts';

const { handle, transfer, control, id, ops, mode } = workerData;
const heap = attachHeap(handle);
const slots = new Uint32Array(transfer);
const ctl = new Int32Array(control);
const r = rng(0x12345678 + 977 * id);
const local: number[] = [];
let allocs = 0;
let frees = 0;
let seq = 1;
const who = `worker ${id} (slot ${heap.slot})`;

function alloc(): number {
  const size = drawSize(r);
  const p = heap.malloc(size);
  writeBlock(heap, p, size, ((id + 1) << 24) ^ seq++ || 1);
  allocs++;
  return p;
}

function release(p: number): void {
  checkBlock(heap, p, who);
  heap.free(p);
  frees++;
}

const total = mode === 'forever' ? Number.MAX_SAFE_INTEGER : ops;
for (let i = 0; i < total; i++) {
  const k = r() % 100;
  if (k < 40 || local.length === 0) {
    if (local.length < 400) local.push(alloc());
    else release(local.pop()!);
  } else if (k < 70) {
    const j = r() % local.length;
    const p = local[j];
    local[j] = local[local.length - 1];
    local.pop();
    release(p);
  } else {
    // Swap one of mine into the transfer array; whatever comes out is someone's block.
    const j = r() % local.length;
    const mine = local[j];
    local[j] = local[local.length - 1];
    local.pop();
    const got = Atomics.exchange(slots, r() % slots.length, mine);
    if (got !== 0) {
      if (r() & 1) release(got);
      else {
        checkBlock(heap, got, who);
        local.push(got);
      }
    }
  }
  if ((i & 1023) === 0) {
    Atomics.store(ctl, 3 + 4 * id, i);
    if (mode === 'throw' && i >= ops / 2) {
      for (const p of local) release(p);
      local.length = 0;
      Atomics.add(ctl, 1 + 4 * id, allocs);
      Atomics.add(ctl, 2 + 4 * id, frees);
      throw new Error('deliberate uncaught error in a worker');
    }
  }
}
for (const p of local) release(p);
Atomics.add(ctl, 1 + 4 * id, allocs);
Atomics.add(ctl, 2 + 4 * id, frees);
const slot = heap.slot;
if (mode !== 'no-detach') heap.detach();
parentPort!.postMessage({ type: 'done', id, slot, allocs, frees });
