/**
 * Rounds of fill / check / free-all with a size mix per round, rotated between
 * workers: round r uses mixes[(id + r) % mixes.length]. Every block is written
 * with a pattern and checked once all workers are full, so two threads handed
 * the same bytes are caught. Workers wait for each other without blocking the
 * event loop (their heartbeat keeps answering reclaim requests).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { attachHeap } from '../../src/index.ts';
import { checkBlock, writeBlock } from './blocks.ts';

const { handle, id, workers, rounds, mixes, barrier } = workerData as {
  handle: Parameters<typeof attachHeap>[0];
  id: number;
  workers: number;
  rounds: number;
  mixes: number[][];
  barrier: SharedArrayBuffer;
};
const heap = attachHeap(handle, { onExhausted: 'null' });
const arrived = new Int32Array(barrier);
let phase = 0;
async function allHere(): Promise<void> {
  phase++;
  Atomics.add(arrived, 0, 1);
  while (Atomics.load(arrived, 0) < phase * workers) await new Promise((r) => setTimeout(r, 1));
}

const filled: number[] = [];
for (let r = 0; r < rounds; r++) {
  const mix = mixes[(id + r) % mixes.length]!;
  const blocks: number[] = [];
  let bytes = 0;
  for (let i = 0; ; i++) {
    const size = mix[i % mix.length]!;
    const p = heap.malloc(size);
    if (p === 0) break;
    writeBlock(heap, p, size, (((id + 1) << 28) | (r << 24) | (i & 0xffffff)) >>> 0);
    blocks.push(p);
    bytes += size;
  }
  filled.push(bytes);
  await allHere(); // everybody is full: nobody's blocks may have been handed to anyone else
  for (const p of blocks) checkBlock(heap, p, `worker ${id} round ${r}`);
  await allHere();
  for (const p of blocks) heap.free(p);
  await allHere();
}
parentPort!.postMessage({ type: 'done', filled });
