/**
 * S55-3 immediate medium-run subrelease (flag HZ3_S55_3_MEDIUM_SUBRELEASE, the
 * `mem` lane). At every HZ3_S55_3_EPOCH_MULT-th epoch, pop medium runs from
 * central, release each to the OS (at most HZ3_S55_3_CALL_CAP calls) and give it
 * back to its segment, at most HZ3_S55_3_PAGE_BUDGET pages per epoch.
 * hz3 measured -5.6% mean RSS on mstress: NO-GO as a default, kept as a lane.
 * Stats: [HZ3_S55_3_MEDIUM_SUBRELEASE] calls demote_pages madvise_calls madvise_pages madvise_bytes
 */
import { S55_3, bump } from '../observe/counters.ts';
import { newTally, releasePages } from '../heap/release.ts';
import { returnToSegments } from '../heap/reclaim.ts';
import type { Slot } from '../heap/slot.ts';

export function mediumSubrelease(t: Slot, epoch: number): void {
  if (epoch % HZ3_S55_3_EPOCH_MULT !== 0) return;
  const a = t.arena;
  const tally = newTally();
  const { pages } = returnToSegments(a, {
    mediumOnly: true,
    pageBudget: HZ3_S55_3_PAGE_BUDGET,
    runBudget: HZ3_S55_3_CALL_CAP,
    onRun: (page, n) => releasePages(a, page, n, tally),
  });
  const w = t.slotWord;
  bump(a, w, S55_3.calls);
  bump(a, w, S55_3.demote_pages, pages);
  bump(a, w, S55_3.madvise_calls, tally.calls);
  bump(a, w, S55_3.madvise_pages, tally.pages);
  bump(a, w, S55_3.madvise_bytes, tally.bytes);
}
