/**
 * S55-3B delayed medium-run subrelease (flag HZ3_S55_3B_DELAYED_SUBRELEASE,
 * research box, default off).
 *
 * At each epoch a thread first drains its ring: candidates stamped at least
 * HZ3_S55_3B_DELAY_EPOCHS global epochs ago are released only if all their pages
 * are still free in their segment (checked and released under the segment lock,
 * so a run taken meanwhile is never touched); a reused run is counted and
 * skipped. Then it schedules: medium runs from central go back to their segments
 * (unreleased) and into the ring, stamped with the current global epoch. A full
 * ring drops the new entry (the run stays in its segment, unreleased).
 *
 * Ring: 256 entries of (page, pages, epoch) in the slot's box area, with 32-bit
 * monotonic head and tail: size is (tail - head) >>> 0, index is head & 255, so
 * the counters may wrap past 2^32 without breaking the full or age checks.
 * hz3: 61% of runs were reused before the delay ran out; NO-GO for steady state.
 * Stats: [HZ3_S55_3B_DELAY] schedule_calls scheduled_pages dropped drained_calls madvise_calls madvise_bytes reused_skips
 */
import { S_BOX_AREA } from '../heap/layout.ts';
import { pagesFree, withSegmentLock } from '../heap/segments.ts';
import { S55_3B, bump } from '../observe/counters.ts';
import { newTally, releasePages } from '../heap/release.ts';
import { returnToSegments } from '../heap/reclaim.ts';
import type { Slot } from '../heap/slot.ts';

export const RING_SIZE = 256;
export const RING_HEAD = 0; // u32 words from the slot's box area
export const RING_TAIL = 1;
const RING_ENTRIES = 4;

export const ringBase = (slotWord: number): number => slotWord + S_BOX_AREA;

export function delayedSubrelease(t: Slot, epoch: number): void {
  drain(t, epoch);
  schedule(t, epoch);
}

function drain(t: Slot, epoch: number): void {
  const a = t.arena;
  const u32 = a.u32;
  const r = ringBase(t.slotWord);
  let head = u32[r + RING_HEAD];
  const tail = u32[r + RING_TAIL];
  if (head === tail) return;
  const tally = newTally();
  let reused = 0;
  let drained = 0;
  withSegmentLock(a, () => {
    while (head !== tail) {
      const e = r + RING_ENTRIES + (head & (RING_SIZE - 1)) * 3;
      if (((epoch - u32[e + 2]) >>> 0) < HZ3_S55_3B_DELAY_EPOCHS) break; // entries are in epoch order
      const page = u32[e];
      const pages = u32[e + 1];
      if (pagesFree(a, page, pages)) releasePages(a, page, pages, tally);
      else reused++;
      head = (head + 1) >>> 0;
      drained++;
    }
  });
  u32[r + RING_HEAD] = head;
  if (drained === 0) return;
  const w = t.slotWord;
  bump(a, w, S55_3B.drained_calls);
  bump(a, w, S55_3B.madvise_calls, tally.calls);
  bump(a, w, S55_3B.madvise_bytes, tally.bytes);
  bump(a, w, S55_3B.reused_skips, reused);
}

function schedule(t: Slot, epoch: number): void {
  const a = t.arena;
  const u32 = a.u32;
  const r = ringBase(t.slotWord);
  let scheduled = 0;
  let dropped = 0;
  returnToSegments(a, {
    mediumOnly: true,
    pageBudget: HZ3_S55_3_PAGE_BUDGET,
    onRun: (page, pages) => {
      const tail = u32[r + RING_TAIL];
      if (((tail - u32[r + RING_HEAD]) >>> 0) >= RING_SIZE) {
        dropped++;
        return;
      }
      const e = r + RING_ENTRIES + (tail & (RING_SIZE - 1)) * 3;
      u32[e] = page;
      u32[e + 1] = pages;
      u32[e + 2] = epoch;
      u32[r + RING_TAIL] = (tail + 1) >>> 0;
      scheduled += pages;
    },
  });
  const w = t.slotWord;
  bump(a, w, S55_3B.schedule_calls);
  bump(a, w, S55_3B.scheduled_pages, scheduled);
  bump(a, w, S55_3B.dropped, dropped);
}
