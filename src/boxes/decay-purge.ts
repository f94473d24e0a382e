/**
 * Decay purge (flag HZ3_DECAY_PURGE, the `mem` lane): give pages back to the OS
 * once they have stayed free for a while, as jemalloc's dirty_decay_ms and
 * mimalloc's purge_delay do, instead of at once (S55-3, which released runs
 * that the next refill faulted back in) or only at trim().
 *
 * At each epoch (time-based in the mem lane: HZ3_EPOCH_MS), the thread that
 * advances it
 *   1. returns central's wholly free pages and runs to their segments
 *      (returnToSegments; HZ3_DECAY_CENTRAL=0 skips this, keeping central's
 *      runs cached); freeRun stamps every page it frees with the time;
 *   2. walks the free pages of every segment under the segment lock and
 *      releases the resident ones whose stamp is at least HZ3_DECAY_MS old,
 *      at most HZ3_S55_3_PAGE_BUDGET pages in HZ3_S55_3_CALL_CAP calls
 *      (S55-3's rate cap). A page taken meanwhile is not free, so it is never
 *      released; one freed again carries its new stamp.
 * Stats: [HZ3_DECAY_PURGE] purges returned_pages madvise_calls madvise_pages madvise_bytes capped
 */
import { Arena } from '../heap/arena.ts';
import { forEachFreeRun } from '../heap/segments.ts';
import { scanCentral } from '../heap/reclaim.ts';
import { DECAY, bump } from '../observe/counters.ts';
import { newTally, releasePages, type ReleaseTally } from '../heap/release.ts';

export interface DecayOptions {
  /** A free page is released once `now - freedAt >= delayMs`. */
  delayMs: number;
  /** Pages and release calls per purge at most. */
  pageBudget: number;
  callCap: number;
  /** Return central's wholly free pages and runs to their segments first (HZ3_DECAY_CENTRAL; default true). */
  scanCentral?: boolean;
}

export interface DecayResult extends ReleaseTally {
  /** Pages central gave back to segments. */
  returnedPages: number;
  /** True when the budget or the call cap stopped the walk. */
  capped: boolean;
}

/** One purge at time `now` (ms since the heap's origin), counted in the slot at `slotWord`. */
export function decayPurge(a: Arena, slotWord: number, now: number, opts: DecayOptions): DecayResult {
  const returnedPages = opts.scanCentral === false ? 0 : scanCentral(a);
  const tally = newTally();
  let capped = false;
  const resident = a.residentWord;
  forEachFreeRun(a, (page, n) => {
    let start = -1;
    for (let p = page; p <= page + n; p++) {
      // freedAt is a u32 clock (it wraps after 49.7 days): the age is the signed 32-bit difference, which
      // also keeps a page stamped just after `now` (by the central scan above) from looking 49 days old.
      const due = p < page + n && a.pageBit(resident, p) && ((now - a.freedAt[p]!) | 0) >= opts.delayMs;
      if (due && start < 0) start = p;
      if (due || start < 0) continue;
      if (tally.calls >= opts.callCap || tally.pages >= opts.pageBudget) {
        capped = true;
        return;
      }
      const take = Math.min(p - start, opts.pageBudget - tally.pages);
      releasePages(a, start, take, tally); // under the segment lock: free, and no thread can take it meanwhile
      if (take < p - start) {
        capped = true;
        return;
      }
      start = -1;
    }
  });
  bump(a, slotWord, DECAY.purges);
  bump(a, slotWord, DECAY.returned_pages, returnedPages);
  bump(a, slotWord, DECAY.madvise_calls, tally.calls);
  bump(a, slotWord, DECAY.madvise_pages, tally.pages);
  bump(a, slotWord, DECAY.madvise_bytes, tally.bytes);
  if (capped) bump(a, slotWord, DECAY.capped);
  return { ...tally, returnedPages, capped };
}
