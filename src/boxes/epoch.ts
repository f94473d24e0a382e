/**
 * The epoch boundary: the one place where boxes run, outside the hot path.
 *
 * The global epoch (H_EPOCH) advances every HZ3_EPOCH_REFILLS refills of any
 * thread, and on `heap.maintain()`. Each box is guarded by its build-time flag,
 * so a lane without it carries none of its code.
 */
import type { ThreadHeap } from '../heap/thread-cache.ts';

export function onEpoch(t: ThreadHeap, epoch: number): void {
  void t;
  void epoch;
}
