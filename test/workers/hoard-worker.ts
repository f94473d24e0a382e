/**
 * Allocates blocks of many sizes, frees them all (its cache keeps what its
 * bound allows), reports its cache bound, then either blocks in Atomics.wait
 * (mode 'blocked': it cannot answer reclaim requests) or idles in its event
 * loop (mode 'idle': its heartbeat answers them) until told to finish.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { attachHeap } from '../../src/index.ts';

const { handle, mode, threadCacheBytes, control } = workerData as {
  handle: Parameters<typeof attachHeap>[0];
  mode: 'blocked' | 'idle';
  threadCacheBytes?: number;
  control: SharedArrayBuffer;
};
const heap = attachHeap(handle, threadCacheBytes === undefined ? {} : { threadCacheBytes });
const ctl = new Int32Array(control);
const sizes = [16, 48, 64, 100, 256, 700, 2048, 3000, 8192, 20000, 32768];
const blocks: number[] = [];
for (let i = 0; i < 2_000; i++) blocks.push(heap.malloc(sizes[i % sizes.length]!)); // ~12 MiB
for (const p of blocks) heap.free(p);
parentPort!.postMessage({ type: 'ready', bound: heap.stats().threadCacheBoundBytes });
if (mode === 'blocked') {
  Atomics.wait(ctl, 0, 0); // no event loop, no heap call: this thread cannot give its cache back
} else {
  while (Atomics.load(ctl, 0) === 0) await new Promise((r) => setTimeout(r, 5));
}
heap.free(heap.malloc(64)); // a refill answers any request still pending
parentPort!.postMessage({ type: 'done' });
