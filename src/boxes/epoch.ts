/**
 * The epoch boundary: the one place where boxes run, outside the hot path.
 *
 * The global epoch (H_EPOCH) advances every HZ3_EPOCH_REFILLS refills of a
 * thread, and on `heap.maintain()`. The thread that advances it runs the boxes.
 * Each box is guarded by its build-time flag, so a lane without it carries none
 * of its code.
 */
import { mediumSubrelease } from './medium-subrelease.ts';
import { delayedSubrelease } from './delayed-subrelease.ts';
import type { ThreadHeap } from '../heap/thread-cache.ts';

export function onEpoch(t: ThreadHeap, epoch: number): void {
  if (HZ3_S55_3_MEDIUM_SUBRELEASE) mediumSubrelease(t, epoch);
  if (HZ3_S55_3B_DELAYED_SUBRELEASE) delayedSubrelease(t, epoch);
}
