/**
 * A small mutex over one Int32 word of the arena (Drepper's futex mutex):
 * 0 = unlocked, 1 = locked, 2 = locked with waiters.
 *
 * Critical sections are short (segment bookkeeping, a central pop or push), so
 * a contender spins briefly, then sleeps in Atomics.wait with a timeout. Where a
 * thread may not block (a browser's main thread), it keeps spinning with a
 * bounded wait loop instead; Node's main thread may block, so it waits too.
 */

const SPINS = 64;
const WAIT_MS = 1;

let canWait: boolean | undefined;
function waitAllowed(i32: Int32Array): boolean {
  if (canWait === undefined) {
    try {
      Atomics.wait(i32, 0, 0x7fffffff, 0); // never equal: returns "not-equal" at once where allowed
      canWait = true;
    } catch {
      canWait = false;
    }
  }
  return canWait;
}

export function lock(i32: Int32Array, index: number): void {
  if (Atomics.compareExchange(i32, index, 0, 1) === 0) return;
  lockContended(i32, index);
}

function lockContended(i32: Int32Array, index: number): void {
  for (let i = 0; i < SPINS; i++) {
    if (Atomics.load(i32, index) === 0 && Atomics.compareExchange(i32, index, 0, 1) === 0) return;
  }
  const wait = waitAllowed(i32);
  // Announce a waiter (state 2), then sleep until the holder's unlock wakes us.
  while (Atomics.exchange(i32, index, 2) !== 0) {
    if (wait) Atomics.wait(i32, index, 2, WAIT_MS);
  }
}

export function unlock(i32: Int32Array, index: number): void {
  if (Atomics.exchange(i32, index, 0) === 2) Atomics.notify(i32, index, 1);
}
