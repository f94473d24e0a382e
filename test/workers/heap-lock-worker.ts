/**
 * One thread's part in test/heap/locks.test.ts, by `mode`:
 *   count        the locked counter (helpers/locked-counter.ts), started at the gate
 *   hold         take the lock, say 'locked', hold it `ms`, set word `released`, let go
 *   die-holding  take the lock, say 'locked', never let go (the test terminates it)
 *   notify       notify word `index` every 10 ms until word `woke` is set
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lock, unlock } from '../../src/heap/locks.ts';
import { countUnderLock, type CounterWords } from '../helpers/locked-counter.ts';
import { passGate } from '../helpers/gate.ts';

interface Data {
  mode: 'count' | 'hold' | 'die-holding' | 'notify';
  buf: SharedArrayBuffer;
  me: number;
  index: number;
  sleep: number;
  ms: number;
  woke: number;
  released: number;
  words: CounterWords;
  iterations: number;
  slowEvery: number;
  gate: SharedArrayBuffer;
}
const d = workerData as Data;
const i32 = new Int32Array(d.buf);
const post = (type: string, extra: object = {}): void => parentPort!.postMessage({ type, ...extra });

if (d.mode === 'count') {
  passGate(d.gate);
  post('done', { overlaps: countUnderLock(i32, d.words, d.me, d.iterations, d.slowEvery) });
} else if (d.mode === 'hold' || d.mode === 'die-holding') {
  lock(i32, d.index, d.me);
  post('locked');
  if (d.mode === 'die-holding') for (;;) Atomics.wait(i32, d.sleep, 0);
  Atomics.wait(i32, d.sleep, 0, d.ms);
  Atomics.store(i32, d.released, 1);
  unlock(i32, d.index);
  post('done');
} else {
  while (Atomics.load(i32, d.woke) === 0) {
    Atomics.wait(i32, d.sleep, 0, 10);
    Atomics.notify(i32, d.index);
  }
  post('done');
}
