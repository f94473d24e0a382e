/**
 * The epoch boundary: the one place where boxes run, outside the hot path.
 *
 * The global epoch (H_EPOCH) advances every HZ3_EPOCH_REFILLS refills of a
 * thread, on `heap.maintain()`, and in lanes with HZ3_EPOCH_MS when that many
 * milliseconds have passed (checked every 64 refills and at each thread's
 * heartbeat, so an idle program reaches it too). The thread that advances it
 * runs the boxes. Each box is guarded by its build-time flag, so a lane
 * without it carries none of its code.
 */
import { mediumSubrelease } from './medium-subrelease.ts';
import { delayedSubrelease } from './delayed-subrelease.ts';
import { decayPurge } from './decay-purge.ts';
import { sampleBreakdown } from '../observe/rss-breakdown.ts';
import { H_EPOCH, H_EPOCH_DUE_MS } from '../heap/layout.ts';
import type { Slot } from '../heap/slot.ts';

export function onEpoch(t: Slot, epoch: number): void {
  if (HZ3_S55_3_MEDIUM_SUBRELEASE) mediumSubrelease(t, epoch);
  if (HZ3_S55_3B_DELAYED_SUBRELEASE) delayedSubrelease(t, epoch);
  if (HZ3_RSS_BREAKDOWN_OBSERVE) sampleBreakdown(t.arena, t.slotWord); // before the boxes: what the heap held during the epoch
  if (HZ3_DECAY_PURGE) {
    decayPurge(t.arena, t.slotWord, t.arena.now(), {
      delayMs: HZ3_DECAY_MS,
      scanCentral: HZ3_DECAY_CENTRAL !== 0,
      pageBudget: HZ3_S55_3_PAGE_BUDGET,
      callCap: HZ3_S55_3_CALL_CAP,
    });
  }
}

/** HZ3_EPOCH_MS lanes: advance the epoch (and run the boxes) if it is due by time; one thread wins each turn. */
export function epochByTime(t: Slot): void {
  const u32 = t.arena.u32;
  const now = t.arena.now() >>> 0; // a u32 clock: it wraps after 49.7 days, so compare by difference
  const due = Atomics.load(u32, H_EPOCH_DUE_MS);
  if (((now - due) | 0) < 0 || Atomics.compareExchange(u32, H_EPOCH_DUE_MS, due, (now + HZ3_EPOCH_MS) >>> 0) !== due) return;
  onEpoch(t, Atomics.add(u32, H_EPOCH, 1) + 1);
}
