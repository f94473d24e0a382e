/**
 * The mutual-exclusion check of test/heap/locks.test.ts, run by the main thread
 * and by workers at once: under the lock, a plain (non-atomic) counter is read,
 * held a moment and written back plus one, and a word says who is inside. Two
 * threads inside at once show as an overlap, or as a lost increment at the end.
 * No vitest import: worker scripts use it too.
 */
import { lock, unlock } from '../../src/heap/locks.ts';

/** Word indexes of the check in one Int32Array. */
export interface CounterWords {
  readonly lock: number;
  readonly counter: number;
  /** Who is inside (0: nobody). */
  readonly inside: number;
  /** A word nobody changes, to sleep on. */
  readonly sleep: number;
}

/** `iterations` locked increments as thread `me`; every `slowEvery`th holds the lock 1 ms (contenders sleep). Returns the overlaps seen. */
export function countUnderLock(i32: Int32Array, w: CounterWords, me: number, iterations: number, slowEvery: number): number {
  let overlaps = 0;
  let spin = 0;
  for (let i = 1; i <= iterations; i++) {
    lock(i32, w.lock, me);
    if (i32[w.inside] !== 0) overlaps++;
    i32[w.inside] = me;
    const v = i32[w.counter]!;
    if (i % slowEvery === 0) Atomics.wait(i32, w.sleep, 0, 1);
    else for (let k = 0; k < 32; k++) spin += k;
    i32[w.counter] = v + 1 + (spin & 0); // `spin & 0`: the loop above is not dead code
    if (i32[w.inside] !== me) overlaps++;
    i32[w.inside] = 0;
    unlock(i32, w.lock);
  }
  return overlaps;
}
