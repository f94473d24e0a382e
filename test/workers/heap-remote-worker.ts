/**
 * A producer of remote frees (test/heap/remote.test.ts): takes blocks of other
 * threads from a shared list in batches, checks each one's pattern, and frees
 * it through its remote ring (remoteFree; the ring flushes when full, and
 * here after every few frees too, as refills do, so that the producers' pushes
 * onto an inbox often meet), racing the other producers and the owners taking
 * their inboxes.
 */
import { parentPort } from 'node:worker_threads';
import { flushRemoteRing, remoteFree } from '../../src/heap/remote.ts';
import type { Slot } from '../../src/heap/slot.ts';
import { workerArena, type ArenaWorkerData } from '../helpers/arena.ts';
import { blockWords, checkStamp } from '../helpers/free-blocks.ts';
import { passGate } from '../helpers/gate.ts';
import { rng } from './blocks.ts';

interface Data extends ArenaWorkerData {
  /** Heap offsets of the blocks to free. */
  ptrs: SharedArrayBuffer;
  /** [next index to take, producers finished]. */
  control: SharedArrayBuffer;
}
const { d, a } = workerArena<Data>();
// The ring's thread as remoteFree sees it: a slot of the arena, not attached (nobody claims slots in this test).
const t: Slot = { arena: a, slot: d.slot, slotWord: a.slotWord(d.slot), owner: d.slot + 1 };
const ptrs = new Uint32Array(d.ptrs);
const control = new Int32Array(d.control);
const BATCH = 50;
let freed = 0;
const r = rng(d.slot * 40503 + 1);

passGate(d.gate);
for (;;) {
  const from = Atomics.add(control, 0, BATCH);
  if (from >= ptrs.length) break;
  for (let i = from; i < Math.min(from + BATCH, ptrs.length); i++) {
    const p = ptrs[i]!;
    checkStamp(a.u32, p, 1, blockWords(a, p), 0, `slot ${d.slot} before its remote free`);
    remoteFree(t, p);
    freed++;
    if ((r() & 1) === 0) flushRemoteRing(a, t.slotWord);
  }
}
flushRemoteRing(a, t.slotWord);
Atomics.add(control, 1, 1);
parentPort!.postMessage({ type: 'done', freed });
