/**
 * A start gate for workers that must run at the same moment (the contention
 * tests of test/heap/): two Int32 words of a SharedArrayBuffer, [open, arrived].
 * No vitest import: worker scripts use it too.
 */
import type { RunningWorker } from './workers.ts';

export const newGate = (): SharedArrayBuffer => new SharedArrayBuffer(8);

/** Worker side: count myself in, then spin until the gate opens. */
export function passGate(gate: SharedArrayBuffer): void {
  const g = new Int32Array(gate);
  Atomics.add(g, 1, 1);
  while (Atomics.load(g, 0) === 0);
}

/** Main side: open the gate once every worker of `runs` waits at it; fails with a worker's own error if one dies first. */
export async function openGate(gate: SharedArrayBuffer, runs: readonly RunningWorker<unknown>[], timeoutMs = 30_000): Promise<void> {
  const g = new Int32Array(gate);
  const start = Date.now();
  while (Atomics.load(g, 1) < runs.length) {
    const failed = runs.find((r) => r.error() !== undefined);
    if (failed) throw new Error(`a worker failed before the start: ${failed.error()!.message}`);
    if (Date.now() - start > timeoutMs) throw new Error(`${Atomics.load(g, 1)} of ${runs.length} workers reached the gate within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
  Atomics.store(g, 0, 1);
}
