/**
 * Where the layers above plug into the heap's slow paths. The heap calls these
 * hooks at its events and knows nothing of what runs there; the API layer
 * (src/api/wiring.ts) sets them once, when it is loaded, to the boxes and
 * observers the lane carries. Until then (a test that drives src/heap
 * directly) they do nothing, and the heap works as the default lane.
 *
 * Every call site but onEpoch's is behind the build-time flag of what it
 * serves, so a lane without it carries no call, and the hot path stays free of
 * them: the one hook malloc calls (onRequest) is called only in the
 * observe lanes (HZ3_S56_MEDIUM_WASTE_OBSERVE, HZ3_RSS_BREAKDOWN_OBSERVE).
 */
import type { Arena } from './arena.ts';
import type { Slot, SlotRef } from './slot.ts';

export interface HeapHooks {
  /** The global epoch advanced to `epoch`, by thread `t`: the boxes run here (boxes/epoch.ts). */
  onEpoch(t: Slot, epoch: number): void;
  /** HZ3_EPOCH_MS lanes, every 64 refills: advance the epoch if it is due by time. */
  epochIfDue(t: Slot): void;
  /** HZ3_S61_THREAD_EXIT_PURGE: a thread's state went back to central (detach, or adoption by the slot at `slotWord`). */
  onThreadExit(a: Arena, slotWord: number): void;
  /** Observe lanes: malloc of `size` bytes in `bin`, before the cache is looked at. */
  onRequest(t: Slot, size: number, bin: number): void;
  /** HZ3_RSS_BREAKDOWN_OBSERVE: a large block of `size` requested bytes at `page` became live, or (live false) was freed. */
  onLargeBlock(t: SlotRef, page: number, size: number, live: boolean): void;
  /** HZ3_S49_PACK_OBSERVE: where allocRun found its run: 0 a pack bucket, 1 missed them, 2 opened a segment. */
  onPackSearch(a: Arena, slotWord: number, outcome: PackOutcome): void;
}

export const PACK_HIT = 0;
export const PACK_MISS = 1;
export const PACK_NEW_SEGMENT = 2;
export type PackOutcome = typeof PACK_HIT | typeof PACK_MISS | typeof PACK_NEW_SEGMENT;

const nothing = (): void => {};

/** The hooks in force; src/api/wiring.ts assigns them. */
export const hooks: HeapHooks = {
  onEpoch: nothing,
  epochIfDue: nothing,
  onThreadExit: nothing,
  onRequest: nothing,
  onLargeBlock: nothing,
  onPackSearch: nothing,
};
