/**
 * Giving pages back, seen from the heap: the one function that releases a page
 * range (releasePages, over the OS boundary in ./os.ts) and keeps the
 * allocator's own books — resident pages (touched minus released) and
 * known-zero pages — and returnToSegments, which moves free blocks from central
 * back into their segments (a small page only when all its objects are free,
 * a medium run as it is). trim, the release boxes and thread-exit purge are all
 * built from these two.
 */
import { Arena } from '../heap/arena.ts';
import {
  carvedWord, H_RELEASED_PAGES_TOTAL, H_RELEASE_CALLS_TOTAL, H_RESIDENT_PAGES, PAGE_SHIFT, PAGE_SIZE, PAGES_PER_SEGMENT,
} from '../heap/layout.ts';
import { FIRST_MEDIUM_BIN, NUM_BINS, binObjectsPerRun, binRunPages } from '../heap/size-classes.ts';
import { centralPush, centralTakeAll, shardOf } from '../heap/central.ts';
import { forEachFreeRun, freeRun } from '../heap/segments.ts';
import { osRelease, releaseMode } from './os.ts';

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
  const bytes = osRelease(a.u8, page * PAGE_SIZE, n * PAGE_SIZE);
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

export interface ReturnOptions {
  /** Which bins: medium only (S55-3 / S55-3B), or every bin (trim, purge). */
  mediumOnly: boolean;
  /** Stop after returning this many pages (Infinity: no limit). */
  pageBudget: number;
  /** Stop after returning this many runs (Infinity: no limit). */
  runBudget?: number;
  /** Called for each run returned, before it goes back to its segment; may release it. */
  onRun?: (page: number, pages: number) => void;
}

/**
 * Move free blocks from central back into their segments. Medium runs go back
 * one by one; a small page goes back when every object of it is in central.
 * Blocks not returned are pushed back to central. Returns pages returned.
 */
export function returnToSegments(a: Arena, opts: ReturnOptions): { pages: number; blocks: number } {
  const u32 = a.u32;
  let returned = 0;
  let runs = 0;
  let blocks = 0;
  const runBudget = opts.runBudget ?? Infinity;
  const shard = shardOf(a.me - 1 >= 0 ? a.me - 1 : 0);
  for (let bin = opts.mediumOnly ? FIRST_MEDIUM_BIN : 0; bin < NUM_BINS; bin++) {
    if (returned >= opts.pageBudget || runs >= runBudget) break;
    const runPages = binRunPages(bin);
    if (bin >= FIRST_MEDIUM_BIN) {
      let keep = 0;
      let keepN = 0;
      centralTakeAll(a, bin, (head) => {
        for (let p = head; p !== 0; ) {
          const next = u32[p >>> 2];
          if (returned < opts.pageBudget && runs < runBudget) {
            returnRun(a, bin, p >>> PAGE_SHIFT, runPages, opts);
            returned += runPages;
            runs++;
            blocks++;
          } else {
            u32[p >>> 2] = keep;
            keep = p;
            keepN++;
          }
          p = next;
        }
      });
      if (keepN > 0) centralPush(a, shard, bin, keep, keepN);
      continue;
    }
    // Small: group central's blocks by page; pages with all objects free go back.
    const perPage = binObjectsPerRun(bin);
    const byPage = new Map<number, number[]>();
    centralTakeAll(a, bin, (head) => {
      for (let p = head; p !== 0; p = u32[p >>> 2]) {
        const page = p >>> PAGE_SHIFT;
        let list = byPage.get(page);
        if (!list) byPage.set(page, (list = []));
        list.push(p);
      }
    });
    let keep = 0;
    let keepN = 0;
    for (const [page, list] of byPage) {
      if (list.length === perPage && returned < opts.pageBudget && runs < runBudget) {
        returnRun(a, bin, page, 1, opts, perPage);
        returned++;
        runs++;
        blocks += perPage;
        continue;
      }
      for (const p of list) {
        u32[p >>> 2] = keep;
        keep = p;
        keepN++;
      }
    }
    if (keepN > 0) centralPush(a, shard, bin, keep, keepN);
  }
  return { pages: returned, blocks };
}

function returnRun(a: Arena, bin: number, page: number, pages: number, opts: ReturnOptions, objects = 1): void {
  Atomics.sub(a.u32, carvedWord(bin), objects);
  a.ptag.fill(0, page, page + pages);
  opts.onRun?.(page, pages); // the run is still ours: releasing it here cannot hit live data
  freeRun(a, page, pages);
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
