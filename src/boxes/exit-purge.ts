/**
 * S61 thread-exit hard purge (flag HZ3_S61_THREAD_EXIT_PURGE, default off): when
 * a thread detaches or is adopted, after its cache went back to central, return
 * central's free pages and medium runs to their segments and release the free
 * page runs: fully free segments (reusable by any thread, counted as
 * freed_segments) and the free runs inside segments that survivors keep open.
 * Releasing only whole segments gained nothing when a burst's survivors are
 * spread over the heap (burst_idle: 1.02x the default lane's idle RSS); the
 * free runs between survivors are where the memory is.
 * hz3 measured -76% RSS after burst/idle cycles.
 * Stats: [HZ3_S61_THREAD_EXIT_PURGE] purges returned_blocks freed_segments madvise_calls madvise_bytes
 */
import { Arena } from '../heap/arena.ts';
import { C, bump } from '../observe/counters.ts';
import { newTally, releaseFreeRuns } from '../release/pages.ts';
import { returnToSegments } from '../heap/reclaim.ts';

/** Purge at the exit of a thread; counters go to the slot at `slotWord` (the exiting or adopting thread). */
export function exitPurge(a: Arena, slotWord: number): void {
  const { blocks } = returnToSegments(a, { mediumOnly: false, pageBudget: Infinity });
  const tally = newTally();
  const segments = releaseFreeRuns(a, tally);
  bump(a, slotWord, C.S61 + 0);
  bump(a, slotWord, C.S61 + 1, blocks);
  bump(a, slotWord, C.S61 + 2, segments);
  bump(a, slotWord, C.S61 + 3, tally.calls);
  bump(a, slotWord, C.S61 + 4, tally.bytes);
}
