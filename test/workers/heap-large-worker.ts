/**
 * Frees every large block of a shared list with freeLarge, in lockstep with the
 * other racers freeing the same blocks at the same moment (test/heap/large.test.ts);
 * counts the frees it won and the EDOUBLE_FREE it got.
 */
import { parentPort } from 'node:worker_threads';
import { freeLarge } from '../../src/heap/large.ts';
import { HeapError } from '../../src/base/errors.ts';
import { workerArena, type ArenaWorkerData } from '../helpers/arena.ts';
import { passGate } from '../helpers/gate.ts';

interface Data extends ArenaWorkerData {
  racers: number;
  /** Heap offsets of the blocks. */
  ptrs: SharedArrayBuffer;
  /** Per block, the racers that reached it. */
  arrive: SharedArrayBuffer;
}
const { d, a } = workerArena<Data>();
const ptrs = new Uint32Array(d.ptrs);
const arrive = new Int32Array(d.arrive);
let won = 0;
let lost = 0;
const other: string[] = [];
passGate(d.gate);
for (let i = 0; i < ptrs.length; i++) {
  Atomics.add(arrive, i, 1);
  while (Atomics.load(arrive, i) < d.racers);
  try {
    freeLarge(a, a.slotWord(d.slot), ptrs[i]!);
    won++;
  } catch (e) {
    if (e instanceof HeapError && e.code === 'EDOUBLE_FREE') lost++;
    else other.push(String(e));
  }
}
parentPort!.postMessage({ type: 'done', won, lost, other: other.slice(0, 3) });
