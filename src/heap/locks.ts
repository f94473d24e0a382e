/**
 * A small mutex over one Int32 word of the arena (after Drepper's futex mutex).
 * The word holds the holder's id (slot + 1, or NO_SLOT while attaching) and a
 * WAITERS bit; 0 is unlocked.
 *
 * Critical sections are short (segment bookkeeping, a central pop or push), so
 * a contender spins briefly, then sleeps in Atomics.wait with a 1 ms timeout
 * (Node allows waiting on the main thread too). A lock whose word has not
 * changed for ABANDON_MS is taken over: no critical section lasts that long, so
 * its holder died inside it (Worker.terminate() can stop a thread anywhere).
 * Taking over can leak the blocks the dead thread was moving; it cannot hand one
 * block to two owners, because every critical section publishes a block last.
 */
import { H_LOCKS_STOLEN, H_SEGMENT_LOCK, H_SEGMENT_LOCK_STOLEN } from './layout.ts';

export const NO_SLOT = 0xffff;
const WAITERS = 1 << 30;
const SPINS = 64;
const WAIT_MS = 1;
export const ABANDON_MS = 1000;

let canWait: boolean | undefined;
function waitAllowed(i32: Int32Array): boolean {
  // A heap in a plain ArrayBuffer (one thread) cannot wait; that says nothing of shared heaps.
  if (typeof SharedArrayBuffer !== 'function' || !(i32.buffer instanceof SharedArrayBuffer)) return false;
  if (canWait === undefined) {
    try {
      Atomics.wait(i32, 0, 0x7fffffff, 0); // never equal: returns at once where waiting is allowed
      canWait = true;
    } catch {
      canWait = false;
    }
  }
  return canWait;
}

export function lock(i32: Int32Array, index: number, me: number): void {
  if (Atomics.compareExchange(i32, index, 0, me) === 0) return;
  lockContended(i32, index, me);
}

function lockContended(i32: Int32Array, index: number, me: number): void {
  for (let i = 0; i < SPINS; i++) {
    if (Atomics.load(i32, index) === 0 && Atomics.compareExchange(i32, index, 0, me) === 0) return;
  }
  const wait = waitAllowed(i32);
  let seen = Atomics.load(i32, index);
  let since = Date.now();
  for (;;) {
    const cur = Atomics.load(i32, index);
    if (cur === 0) {
      // Take it with the WAITERS bit: others may still be sleeping.
      if (Atomics.compareExchange(i32, index, 0, me | WAITERS) === 0) return;
      continue;
    }
    if ((cur & WAITERS) === 0 && Atomics.compareExchange(i32, index, cur, cur | WAITERS) !== cur) continue;
    if (wait) Atomics.wait(i32, index, cur | WAITERS, WAIT_MS);
    const now = Date.now();
    const after = Atomics.load(i32, index);
    if (after !== seen) {
      seen = after;
      since = now;
    } else if (now - since > ABANDON_MS && Atomics.compareExchange(i32, index, after, me | WAITERS) === after) {
      Atomics.add(i32, H_LOCKS_STOLEN, 1);
      if (index === H_SEGMENT_LOCK) Atomics.add(i32, H_SEGMENT_LOCK_STOLEN, 1);
      return;
    }
  }
}

export function unlock(i32: Int32Array, index: number): void {
  if ((Atomics.exchange(i32, index, 0) & WAITERS) !== 0) Atomics.notify(i32, index, 1);
}

/**
 * Sleep about `ms` milliseconds, or until word `index` is notified: Atomics.wait
 * where the thread may block (Node, workers), a spin on the clock where it may
 * not (a browser's main thread).
 */
export function pause(i32: Int32Array, index: number, ms: number): void {
  if (waitAllowed(i32)) {
    Atomics.wait(i32, index, Atomics.load(i32, index), ms);
    return;
  }
  const until = Date.now() + ms;
  while (Date.now() < until);
}
