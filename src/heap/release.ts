/**
 * Giving pages back, seen from the heap: the one function that releases a page
 * range (releasePages, over the OS boundary in ./os.ts) and keeps the
 * allocator's own books — resident pages (touched minus released) and
 * known-zero pages. trim, the release boxes and thread-exit purge are built
 * from it and from returnToSegments (src/heap/reclaim.ts), which moves wholly
 * free pages and runs from central back into their segments.
 */
import { Arena } from './arena.ts';
import { H_RELEASED_PAGES_TOTAL, H_RELEASE_CALLS_TOTAL, H_RESIDENT_PAGES, PAGE_SIZE, PAGES_PER_SEGMENT } from './layout.ts';
import { forEachFreeRun } from './segments.ts';
import { osRelease, releaseMode } from '../platform/release.ts';

export interface ReleaseTally {
  /** Release calls made (madvise calls in 'madvise' mode). */
  calls: number;
  pages: number;
  /** Bytes the OS took back (0 in 'record-only' mode). */
  bytes: number;
}

export const newTally = (): ReleaseTally => ({ calls: 0, pages: 0, bytes: 0 });

/**
 * Release pages [page, page + n) to the OS. The caller guarantees they hold no
 * live data and that no thread can take them during the call (they are free in
 * a segment under the segment lock, or held exclusively by the caller).
 */
export function releasePages(a: Arena, page: number, n: number, tally?: ReleaseTally): number {
  const bytes = osRelease(a.u8, a.base + page * PAGE_SIZE, n * PAGE_SIZE);
  const dropped = a.pageBits(a.residentWord, page, n, false);
  if (dropped > 0) Atomics.sub(a.u32, H_RESIDENT_PAGES, dropped);
  if (releaseMode === 'madvise') a.pageBits(a.dirtyWord, page, n, false); // reads back as zero now
  Atomics.add(a.u32, H_RELEASED_PAGES_TOTAL, n);
  Atomics.add(a.u32, H_RELEASE_CALLS_TOTAL, 1);
  if (tally) {
    tally.calls++;
    tally.pages += n;
    tally.bytes += bytes;
  }
  return bytes;
}

/** Release the resident parts of `n` free pages from `page` (one call per resident stretch). */
export function releaseResident(a: Arena, page: number, n: number, tally: ReleaseTally): void {
  let start = -1;
  for (let p = page; p <= page + n; p++) {
    const resident = p < page + n && a.pageBit(a.residentWord, p);
    if (resident && start < 0) start = p;
    else if (!resident && start >= 0) {
      releasePages(a, start, p - start, tally);
      start = -1;
    }
  }
}

/** Release every resident free page run of every segment (trim's second half); `wholeSegments` limits it to fully free segments. */
export function releaseFreeRuns(a: Arena, tally: ReleaseTally, wholeSegments = false): number {
  let segments = 0;
  forEachFreeRun(a, (page, n) => {
    if (wholeSegments && n < PAGES_PER_SEGMENT) return;
    if (n === PAGES_PER_SEGMENT) segments++;
    releaseResident(a, page, n, tally);
  });
  return segments;
}
