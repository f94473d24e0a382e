/** Allocates and frees a fixed sequence of medium requests, then detaches (for the one-print test). */
import { parentPort, workerData } from 'node:worker_threads';
import { attachHeap } from '../../src/index.ts';

const heap = attachHeap(workerData.handle);
for (let i = 0; i < workerData.rounds; i++) {
  const p = heap.malloc(4097); // class 1: req 4097, alloc 8192
  heap.free(p);
}
heap.detach();
parentPort!.postMessage({ type: 'done' });
