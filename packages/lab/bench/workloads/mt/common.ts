/**
 * Helpers shared by the multi-worker workloads: start words, absolute clocks,
 * collecting per-phase reports from workers.
 */
import type { MtWorker } from '../../mt-protocol.ts';

/** ms since the epoch, comparable across threads (each thread's performance.now() has its own origin). */
export function absNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Block the calling worker until ctrl[i] >= value (Atomics.wait; returns at once if it already is). */
export function waitAtLeast(ctrl: Int32Array, i: number, value: number): void {
  for (;;) {
    const v = Atomics.load(ctrl, i);
    if (v >= value) return;
    Atomics.wait(ctrl, i, v);
  }
}

/** Set ctrl[i] = value and wake every waiter. */
export function release(ctrl: Int32Array, i: number, value: number): void {
  Atomics.store(ctrl, i, value);
  Atomics.notify(ctrl, i);
}

/** Resolves with the first message of each worker for which `match` is true, in worker order. */
export function collect<T>(workers: readonly MtWorker[], match: (m: unknown) => m is T): Promise<T[]> {
  return Promise.all(
    workers.map(
      (w) =>
        new Promise<T>((resolve, reject) => {
          let got = false;
          w.onMessage((m) => {
            if (!got && match(m)) {
              got = true;
              resolve(m);
            }
          });
          w.done.then(
            () => {
              if (!got) reject(new Error(`worker ${w.worker.threadId} ended without the expected report`));
            },
            reject,
          );
        }),
    ),
  );
}

/** `x % m` for a uint32 x without the `%` operator (slow on uint32 in Node 20). */
export function umod(x: number, m: number): number {
  return x - Math.floor(x / m) * m;
}

export function median(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
