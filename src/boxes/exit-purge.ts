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
import { S61, bump } from '../observe/counters.ts';
import { newTally, releaseFreeRuns } from '../heap/release.ts';
import { returnToSegments } from '../heap/reclaim.ts';

/** Purge at the exit of a thread; counters go to the slot at `slotWord` (the exiting or adopting thread). */
export function exitPurge(a: Arena, slotWord: number): void {
  const { blocks } = returnToSegments(a, { mediumOnly: false, pageBudget: Infinity });
  const tally = newTally();
  const segments = releaseFreeRuns(a, tally);
  bump(a, slotWord, S61.purges);
  bump(a, slotWord, S61.returned_blocks, blocks);
  bump(a, slotWord, S61.freed_segments, segments);
  bump(a, slotWord, S61.madvise_calls, tally.calls);
  bump(a, slotWord, S61.madvise_bytes, tally.bytes);
}
