/** Tries createHeap over a region of `buffer` in another thread (test/heap/regions.test.ts); reports the error it got. */
import { parentPort, workerData } from 'node:worker_threads';
import { createHeap, HeapError } from '../../src/index.ts';

const { buffer, byteOffset, byteLength } = workerData;
let result = 'no error';
try {
  createHeap({ buffer, byteOffset, byteLength }).destroy();
} catch (e) {
  result = e instanceof HeapError ? e.message : String(e);
}
parentPort!.postMessage({ type: 'done', result });
