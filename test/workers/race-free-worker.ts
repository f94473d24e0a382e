/** Frees every pointer of a shared list, racing another worker doing the same; counts wins and EDOUBLE_FREE. */
import { parentPort, workerData } from 'node:worker_threads';
import { attachHeap, HeapError } from '../../src/index.ts';

const heap = attachHeap(workerData.handle);
const ptrs = new Uint32Array(workerData.ptrs);
const go = new Int32Array(workerData.go);
const arrive = new Int32Array(workerData.arrive);
Atomics.add(go, 1, 1);
while (Atomics.load(go, 0) === 0); // start together
let won = 0;
let lost = 0;
const other: string[] = [];
for (let i = 0; i < ptrs.length; i++) {
  // Lockstep: both threads reach block i, then both free it at the same moment.
  Atomics.add(arrive, i, 1);
  while (Atomics.load(arrive, i) < 2);
  try {
    heap.free(ptrs[i]);
    won++;
  } catch (e) {
    if (e instanceof HeapError && (e.code === 'EDOUBLE_FREE' || e.code === 'EPTR_NOT_ALLOCATED')) lost++;
    else other.push(String(e));
  }
}
heap.detach();
parentPort!.postMessage({ type: 'done', won, lost, other: other.slice(0, 3) });
