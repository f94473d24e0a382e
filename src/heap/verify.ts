/**
 * Heap integrity walk (heap.check()): follows every list of free blocks — thread
 * caches, remote rings, inboxes, central chains — and checks each block: inside
 * the data segments, 16-aligned, in a page tagged with the list's bin, not marked
 * live, seen once. Compares walked lengths with the recorded counts, and walked
 * totals with the blocks ever carved. Then the page books (checkPages): every
 * data page is counted once, as free in its segment's bitmap, in a run of a bin,
 * or in a large run; segment entries, pack buckets and large runs agree. With
 * S57, every page of a medium run records its place in the run (runLen) and
 * every free medium block starts an object of its run.
 * Run it while no other thread allocates.
 */
import { Arena } from './arena.ts';
import {
  carvedWord, CENTRAL_SHARDS, GRANULE, PAGE_SIZE, H_FRESH_SEGMENT, H_SEGMENT_LOCK_STOLEN, H_LARGE_PAGES, H_SEGMENTS_OPEN, LARGE_BIN, PACK_BUCKETS, PAGES_PER_SEGMENT, PAGE_SHIFT,
  SEG_BITMAP, SEG_FREE, SEG_FREE_PAGES, SEG_FRESH, SEG_LARGEST_RUN, SEG_OPEN, SEG_SPAN, SEG_SPAN_SEGMENTS, SEG_STATE, S_REMOTE_COUNT,
  S_REMOTE_RING, TAG_BIN_MASK, tagOwner, tcWord,
} from './layout.ts';
import { NUM_BINS, NUM_SMALL_BINS, binSize } from './size-classes.ts';
import { isFiled, largestRun, packBucketOf, segEntry } from './segments.ts';
import { inboxWord } from './remote.ts';
import { centralEntry } from './central.ts';
import { mediumBlockProblem, mediumPageProblem } from './medium-runs.ts';

export interface HeapCheck {
  /** Everything that is wrong, one line each; empty when the heap is sound. */
  problems: string[];
  /** Free blocks found per bin. */
  freeBlocks: number[];
  /** Blocks carved per bin minus free blocks found: the live small/medium blocks. */
  liveBlocks: number[];
  /** Usable bytes of live small and medium blocks. */
  liveBytes: number;
  /**
   * Pages taken from their segment but in no live run: a thread terminated
   * between taking pages and tagging them, or inside a large malloc before the
   * block was marked live (Worker.terminate() can stop a thread anywhere).
   * They are lost to the heap, never handed to two owners; on a heap whose
   * threads all ended normally this is 0.
   */
  leakedPages: number;
  /**
   * Segments whose books (free-page count, largest run, pack filing) disagree
   * with their bitmap after the segment lock was taken over from a dead
   * holder; reported as problems when it never was.
   */
  staleSegments: number;
}

export function checkHeap(a: Arena): HeapCheck {
  const u32 = a.u32;
  const problems: string[] = [];
  const seen = new Set<number>();
  const freeBlocks = new Array<number>(NUM_BINS).fill(0);
  const { metaBytes, arenaBytes } = a.layout;
  const report = (msg: string): void => {
    if (problems.length < 50) problems.push(msg);
  };
  const at = (p: number): number => a.base + p; // blocks are named as the user's pointers (page numbers are the heap's)

  /** Check one free block of `bin`; false stops the walk (bad pointer or a repeat). */
  const visit = (p: number, bin: number, where: string): boolean => {
    if (p < metaBytes || p >= arenaBytes || (p & 15) !== 0) {
      report(`${where}: bad pointer ${at(p)}`);
      return false;
    }
    if (seen.has(p)) {
      report(`${where}: block ${at(p)} is on a free list twice`);
      return false;
    }
    seen.add(p);
    const tag = a.ptag[p >>> PAGE_SHIFT];
    if ((tag & TAG_BIN_MASK) !== bin) report(`${where}: block ${at(p)} is in a page of bin ${tag & TAG_BIN_MASK} (tag ${tag})`);
    if (HZ3_FREE_CHECKS && a.gmap[p >>> 4] !== 0) report(`${where}: free block ${at(p)} is marked live`);
    if (HZ3_S57_MEDIUM_FINE_CLASSES) {
      if (bin >= NUM_SMALL_BINS && bin < NUM_BINS) {
        const why = mediumBlockProblem(a, p, bin);
        if (why !== undefined) report(`${where}: ${why}`);
      }
    }
    freeBlocks[bin]++;
    return true;
  };
  const walk = (head: number, bin: number, where: string): number => {
    let n = 0;
    for (let p = head; p !== 0; p = u32[p >>> 2]) {
      if (!visit(p, bin, where)) break;
      n++;
    }
    return n;
  };

  for (let s = 0; s < a.layout.maxThreads; s++) {
    const w = a.slotWord(s);
    for (let b = 0; b < NUM_BINS; b++) {
      const h = tcWord(w, b);
      const n = walk(u32[h], b, `slot ${s} cache bin ${b}`);
      if (n !== u32[h + 1]) report(`slot ${s} cache bin ${b}: count ${u32[h + 1]}, walked ${n}`);
    }
    const ib = inboxWord(a, s);
    let inboxBytes = 0;
    for (let p = u32[ib]; p !== 0; p = u32[p >>> 2]) {
      const bin = a.ptag[p >>> PAGE_SHIFT] & TAG_BIN_MASK;
      if (!visit(p, bin, `slot ${s} inbox`)) break;
      inboxBytes += binSize(bin);
    }
    if (inboxBytes !== u32[ib + 1]) report(`slot ${s} inbox: ${u32[ib + 1]} bytes recorded, ${inboxBytes} walked`);
    const ring = u32[w + S_REMOTE_COUNT];
    for (let i = 0; i < ring; i++) {
      const p = u32[w + S_REMOTE_RING + i];
      visit(p, a.ptag[p >>> PAGE_SHIFT] & TAG_BIN_MASK, `slot ${s} remote ring`);
    }
  }
  for (let sh = 0; sh < CENTRAL_SHARDS; sh++) {
    for (let b = 0; b < NUM_BINS; b++) {
      const e = centralEntry(a, sh, b);
      let total = 0;
      for (let chain = u32[e]; chain !== 0; chain = u32[(chain >>> 2) + 1]) {
        const declared = u32[(chain >>> 2) + 2];
        const n = walk(chain, b, `central shard ${sh} bin ${b}`);
        if (n !== declared) report(`central shard ${sh} bin ${b}: chain ${at(chain)} declares ${declared} blocks, walked ${n}`);
        total += n;
        if (n === 0) break;
      }
      if (total !== u32[e + 1]) report(`central shard ${sh} bin ${b}: count ${u32[e + 1]}, walked ${total}`);
    }
  }
  const stale = new Set<number>();
  const leakedPages = checkPages(a, report, stale);
  const liveBlocks = freeBlocks.map((f, b) => u32[carvedWord(b)] - f);
  let liveBytes = 0;
  liveBlocks.forEach((n, b) => {
    if (n < 0) report(`bin ${b}: ${-n} more free blocks than were ever carved`);
    liveBytes += n * binSize(b);
  });
  return { problems, freeBlocks, liveBlocks, liveBytes, leakedPages, staleSegments: stale.size };
}

/**
 * The page books: segment entries and bitmaps, pack buckets, page tags and
 * large runs agree; every page counted once. Returns the pages taken but in no
 * run (a dead thread's, see HeapCheck.leakedPages).
 */
function checkPages(a: Arena, report: (msg: string) => void, stale: Set<number>): number {
  let leaked = 0;
  let leakedLarge = 0;
  // After the segment lock was taken over from a dead holder, one segment's books may be half updated:
  // its free pages are then unreachable until the segment is next refiled (a leak, not a corruption).
  const staleAllowed = Atomics.load(a.u32, H_SEGMENT_LOCK_STOLEN) > 0;
  const book = (seg: number, msg: string): void => {
    if (staleAllowed) stale.add(seg);
    else report(msg);
  };
  const u32 = a.u32;
  const { firstDataSegment, segments, maxThreads } = a.layout;
  const fresh = u32[H_FRESH_SEGMENT];
  let open = 0;
  let largePages = 0;
  let spanLeft = 0; // segments still to come of the span being walked
  for (let s = firstDataSegment; s < segments; s++) {
    const e = segEntry(a, s);
    const st = u32[e + SEG_STATE];
    const first = s * PAGES_PER_SEGMENT;
    const where = `segment ${s}`;
    if (spanLeft > 0) {
      spanLeft--;
      if (st !== SEG_SPAN) report(`${where}: state ${st} inside a span (expected ${SEG_SPAN})`);
      else if (u32[e + SEG_SPAN_SEGMENTS] !== 0) report(`${where}: a span's inner segment records ${u32[e + SEG_SPAN_SEGMENTS]} span segments`);
      open++;
      continue;
    }
    if (isFiled(a, PACK_BUCKETS, s) !== (st === SEG_FREE)) book(s, `${where}: state ${st} but ${st === SEG_FREE ? 'not ' : ''}in the free set`);
    if (st === SEG_FRESH) {
      // Below the next fresh segment: taken by a thread killed while opening it (it is leaked, whole).
      if (s < fresh) leaked += PAGES_PER_SEGMENT;
      for (let p = first; p < first + PAGES_PER_SEGMENT; p++) {
        if (a.ptag[p] !== 0) {
          report(`${where}: never used, yet page ${p} has tag ${a.ptag[p]}`);
          break;
        }
      }
      continue;
    }
    if (s >= fresh) report(`${where}: in use (state ${st}) at or above the next fresh segment ${fresh}`);
    if (st === SEG_SPAN) {
      const count = u32[e + SEG_SPAN_SEGMENTS];
      if (count < 1 || s + count > segments) {
        report(`${where}: a span of ${count} segments`);
        continue;
      }
      spanLeft = count - 1;
      open++;
      const pages = a.runLen[first];
      if (a.ptag[first] !== LARGE_BIN || pages <= (count - 1) * PAGES_PER_SEGMENT || pages > count * PAGES_PER_SEGMENT) {
        report(`${where}: a span of ${count} segments holds a large run of ${pages} pages (tag ${a.ptag[first]})`);
        continue;
      }
      if (liveStart(a, first)) largePages += checkLarge(a, first, pages, report);
      else leakedLarge += pages;
      for (let p = first + pages; p < first + count * PAGES_PER_SEGMENT; p++) {
        if (a.ptag[p] !== 0) report(`span at segment ${s}: page ${p} past its large run has tag ${a.ptag[p]}`);
      }
      continue;
    }
    if (st !== SEG_OPEN && st !== SEG_FREE) {
      report(`${where}: unknown state ${st}`);
      continue;
    }
    if (st === SEG_OPEN) open++;
    let freePages = 0;
    for (let i = 0; i < PAGES_PER_SEGMENT; i++) {
      const p = first + i;
      const isFree = ((u32[e + SEG_BITMAP + (i >>> 5)] >>> (i & 31)) & 1) === 1;
      const tag = a.ptag[p];
      if (isFree) {
        freePages++;
        if (tag !== 0) report(`page ${p}: free in segment ${s}'s bitmap but tagged ${tag}`);
        if (HZ3_S57_MEDIUM_FINE_CLASSES) if (a.runLen[p] !== 0) report(`page ${p}: free in segment ${s}'s bitmap but records run distance ${a.runLen[p]}`);
        continue;
      }
      if (tag === 0) {
        leaked++;
        continue;
      }
      const bin = tag & TAG_BIN_MASK;
      if (bin === LARGE_BIN) {
        if (a.runLen[p] === 0) {
          if (i === 0 || a.ptag[p - 1] !== LARGE_BIN) report(`page ${p}: large-tagged, but no large run starts at or before it`);
          continue;
        }
        const pages = a.runLen[p];
        if (i + pages > PAGES_PER_SEGMENT) report(`page ${p}: a large run of ${pages} pages crosses the end of segment ${s}`);
        else if (!liveStart(a, p)) leakedLarge += pages; // tagged, never marked live: its thread died inside malloc
        else largePages += checkLarge(a, p, pages, report);
        continue;
      }
      if (bin >= NUM_BINS) report(`page ${p}: tag ${tag} names no bin`);
      else if (tagOwner(tag) < 1 || tagOwner(tag) > maxThreads) report(`page ${p}: a page of bin ${bin} owned by slot ${tagOwner(tag) - 1}, outside [0, ${maxThreads})`);
      else if (bin < NUM_SMALL_BINS && a.runLen[p] !== 0) report(`page ${p}: a small page with a large run length ${a.runLen[p]}`);
      else if (HZ3_S57_MEDIUM_FINE_CLASSES && bin >= NUM_SMALL_BINS) {
        const why = mediumPageProblem(a, p, i, tag);
        if (why !== undefined) report(why);
      }
    }
    if (freePages !== u32[e + SEG_FREE_PAGES]) book(s, `${where}: ${u32[e + SEG_FREE_PAGES]} free pages recorded, ${freePages} in its bitmap`);
    if (st === SEG_FREE && freePages !== PAGES_PER_SEGMENT) report(`${where}: free, but ${PAGES_PER_SEGMENT - freePages} pages are taken`);
    if (st === SEG_OPEN) {
      if (freePages === PAGES_PER_SEGMENT) book(s, `${where}: open with every page free (should be in the free set)`);
      const largest = largestRun(u32, e);
      if (largest !== u32[e + SEG_LARGEST_RUN]) book(s, `${where}: largest free run ${u32[e + SEG_LARGEST_RUN]} recorded, ${largest} in its bitmap`);
      for (let k = 0; k < PACK_BUCKETS; k++) {
        const want = largest > 0 && k === packBucketOf(largest);
        if (isFiled(a, k, s) !== want) book(s, `${where}: largest free run ${largest}, ${want ? 'missing from' : 'filed in'} pack bucket ${k}`);
      }
    }
  }
  if (open !== u32[H_SEGMENTS_OPEN]) book(-1, `${open} segments open or in spans, ${u32[H_SEGMENTS_OPEN]} recorded`);
  // A thread killed inside malloc may or may not have counted its run: the count is checked only when no run leaked.
  if (leakedLarge === 0 && largePages !== u32[H_LARGE_PAGES]) report(`large runs hold ${largePages} pages, ${u32[H_LARGE_PAGES]} recorded`);
  return leaked + leakedLarge;
}

const liveStart = (a: Arena, page: number): boolean => a.gmap[page * (PAGE_SIZE / GRANULE)] === 1;

/** A large run at `page` of `pages` pages: tagged throughout, marked live at its start. Returns its pages. */
function checkLarge(a: Arena, page: number, pages: number, report: (msg: string) => void): number {
  for (let p = page; p < page + pages; p++) {
    if (a.ptag[p] !== LARGE_BIN) {
      report(`large run at page ${page} (${pages} pages): page ${p} has tag ${a.ptag[p]}`);
      return pages;
    }
    if (p > page && a.runLen[p] !== 0) {
      report(`large run at page ${page} (${pages} pages): page ${p} inside it records a run of ${a.runLen[p]}`);
      return pages;
    }
  }
  if (a.gmap[page * (PAGE_SIZE / GRANULE)] !== 1) report(`large run at page ${page}: its start is not marked live`);
  return pages;
}

