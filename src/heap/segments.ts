/**
 * Segments: 1 MiB of 256 pages, and the page runs carved from them.
 *
 * Every function here that moves pages between "free in a segment" and "given
 * to a bin or a large object" runs under the segment lock (H_SEGMENT_LOCK);
 * callers hold runs exclusively once they have them. markResident, markDirty
 * and zeroDirtyPages take no lock: they change per-page bits atomically, for
 * pages the caller holds.
 *
 * Where a run of n pages comes from (allocRun):
 *   1. the thread's current segment, if its largest free run fits;
 *   2. S49 pack: a partly free segment from the buckets of largest free run
 *      (bucket k holds segments whose largest run is in [2^k, 2^(k+1)));
 *   3. a fully free segment, else a never-used one (new_segment);
 *   runs above 256 pages take whole contiguous free segments (a span).
 */
import { Arena } from './arena.ts';
import {
  GRANULE, PAGE_SIZE,
  H_FRESH_SEGMENT, H_SEGMENTS_OPEN, H_SEGMENT_LOCK, H_RESIDENT_PAGES, PACK_BUCKETS, PAGES_PER_SEGMENT,
  SEG_BITMAP, SEG_ENTRY_WORDS, SEG_FREE, SEG_FREE_PAGES, SEG_FRESH, SEG_LARGEST_RUN, SEG_OPEN, SEG_OWNER,
  SEG_SPAN, SEG_SPAN_SEGMENTS, SEG_STATE, S_CUR_SEGMENT, H_CENTRAL_PUSHES, H_CENTRAL_SCANNED,
} from './layout.ts';
import { lock, unlock } from './locks.ts';
import { assertPages } from './assert.ts';
import { hooks, PACK_HIT, PACK_MISS, PACK_NEW_SEGMENT } from './hooks.ts';

/** Bitset index used for fully free segments, after the pack buckets. */
const FREE_SET = PACK_BUCKETS;


export const segEntry = (a: Arena, seg: number): number => a.segWord + seg * SEG_ENTRY_WORDS;

function setBit(a: Arena, set: number, seg: number, on: boolean): void {
  const w = a.packWord + set * a.layout.packWordsPerBucket + (seg >>> 5);
  if (on) a.u32[w] |= 1 << (seg & 31);
  else a.u32[w] &= ~(1 << (seg & 31));
}

/** Whether segment `seg` is filed in pack bucket `set` (or, for set PACK_BUCKETS, in the free set). For heap.check(). */
export function isFiled(a: Arena, set: number, seg: number): boolean {
  return ((a.u32[a.packWord + set * a.layout.packWordsPerBucket + (seg >>> 5)] >>> (seg & 31)) & 1) === 1;
}

/** The pack bucket a segment whose largest free run is `run` pages is filed in. */
export const packBucketOf = (run: number): number => 31 - Math.clz32(run);

/** Largest run of free pages in the bitmap of the segment entry at word `e`. */
export function largestRun(u32: Uint32Array, e: number): number {
  let best = 0;
  let run = 0;
  for (let w = 0; w < 8; w++) {
    const bits = u32[e + SEG_BITMAP + w];
    if (bits === 0xffffffff) {
      run += 32;
      continue;
    }
    if (bits === 0) {
      if (run > best) best = run;
      run = 0;
      continue;
    }
    for (let b = 0; b < 32; b++) {
      if ((bits >>> b) & 1) run++;
      else {
        if (run > best) best = run;
        run = 0;
      }
    }
  }
  return run > best ? run : best;
}

/**
 * First page (within the segment) of `n` free pages aligned to `align` pages of
 * the whole buffer, or -1. `phase` is the segment's first page modulo `align`
 * in the whole buffer (alignPhase): 0 unless the heap is a region that starts
 * off such a boundary.
 */
function findRun(u32: Uint32Array, e: number, n: number, align: number, phase: number): number {
  let run = 0;
  let start = 0;
  for (let i = 0; i < PAGES_PER_SEGMENT; i++) {
    const bits = u32[e + SEG_BITMAP + (i >>> 5)];
    if ((i & 31) === 0 && bits === 0) {
      run = 0;
      i += 31;
      continue;
    }
    if ((bits >>> (i & 31)) & 1) {
      if (run === 0) {
        if (((i + phase) & (align - 1)) !== 0) continue;
        start = i;
      }
      if (++run === n) return start;
    } else run = 0;
  }
  return -1;
}

/** Re-file a segment in the pack buckets / free set after its bitmap changed. */
function refile(a: Arena, seg: number): void {
  const u32 = a.u32;
  const e = segEntry(a, seg);
  const old = u32[e + SEG_LARGEST_RUN];
  if (u32[e + SEG_STATE] === SEG_OPEN && old > 0) setBit(a, packBucketOf(old), seg, false);
  if (u32[e + SEG_FREE_PAGES] === PAGES_PER_SEGMENT) {
    // Fully free: reusable for anything, spans included.
    if (u32[e + SEG_STATE] === SEG_OPEN) u32[H_SEGMENTS_OPEN]--;
    u32[e + SEG_STATE] = SEG_FREE;
    u32[e + SEG_OWNER] = 0;
    u32[e + SEG_LARGEST_RUN] = PAGES_PER_SEGMENT;
    setBit(a, FREE_SET, seg, true);
    return;
  }
  const largest = largestRun(u32, e);
  u32[e + SEG_LARGEST_RUN] = largest;
  if (largest > 0) setBit(a, packBucketOf(largest), seg, true);
}

/** Make segment `seg` a free segment: every page free, no owner, in the free set (hold the segment lock). */
function fileFree(a: Arena, seg: number): void {
  const u32 = a.u32;
  const e = segEntry(a, seg);
  for (let w = 0; w < 8; w++) u32[e + SEG_BITMAP + w] = 0xffffffff;
  u32[e + SEG_FREE_PAGES] = PAGES_PER_SEGMENT;
  u32[e + SEG_LARGEST_RUN] = PAGES_PER_SEGMENT;
  u32[e + SEG_OWNER] = 0;
  u32[e + SEG_SPAN_SEGMENTS] = 0;
  u32[e + SEG_STATE] = SEG_FREE;
  setBit(a, FREE_SET, seg, true);
}

function takePages(a: Arena, seg: number, first: number, n: number): void {
  const e = segEntry(a, seg);
  if (HZ3_ASSERT) assertPages(a, e, seg * PAGES_PER_SEGMENT, first, n, true, 'takePages');
  for (let i = first; i < first + n; i++) a.u32[e + SEG_BITMAP + (i >>> 5)] &= ~(1 << (i & 31));
  a.u32[e + SEG_FREE_PAGES] -= n;
  refile(a, seg);
}

/** Open a free or never-used segment for carving; returns its index or -1. */
function openSegment(a: Arena, owner: number): number {
  const u32 = a.u32;
  let seg = findSetBit(a, FREE_SET);
  if (seg >= 0) setBit(a, FREE_SET, seg, false);
  else {
    seg = u32[H_FRESH_SEGMENT];
    if (seg >= a.layout.segments) return -1;
    u32[H_FRESH_SEGMENT] = seg + 1;
  }
  const e = segEntry(a, seg);
  u32[e + SEG_STATE] = SEG_OPEN;
  u32[e + SEG_OWNER] = owner;
  u32[e + SEG_FREE_PAGES] = PAGES_PER_SEGMENT;
  u32[e + SEG_LARGEST_RUN] = 0; // not filed yet
  for (let w = 0; w < 8; w++) u32[e + SEG_BITMAP + w] = 0xffffffff;
  u32[H_SEGMENTS_OPEN]++;
  return seg;
}

function findSetBit(a: Arena, set: number): number {
  const base = a.packWord + set * a.layout.packWordsPerBucket;
  for (let w = 0; w < a.layout.packWordsPerBucket; w++) {
    const bits = a.u32[base + w];
    if (bits !== 0) return w * 32 + (31 - Math.clz32(bits & -bits));
  }
  return -1;
}

/** allocRun's answer when only a never-used segment could serve and central holds unscanned blocks. */
export const SCAN_FIRST = -2;

/** True when central took blocks since the last scan for fully free pages began (reclaim.ts). */
export const centralScanDue = (a: Arena): boolean =>
  Atomics.load(a.u32, H_CENTRAL_PUSHES) !== Atomics.load(a.u32, H_CENTRAL_SCANNED);

/**
 * Where a segment's first page falls modulo `align` pages (a power of two <= 256)
 * of the whole buffer: the heap's first page, as segments are whole MiBs from there.
 */
export const alignPhase = (a: Arena, align: number): number => a.basePage & (align - 1);

/**
 * Take a run of `n` pages (n <= 256) aligned to `align` pages of the whole buffer (a power of two
 * <= 256) for the thread of slot word `slotWord`. Returns the first page number,
 * or -1 when the arena is exhausted. With `scanFirst`, it returns SCAN_FIRST
 * instead of opening a never-used segment while central may hold fully free
 * pages: the caller scans (returnToSegments) and asks again, so freed memory
 * is reused before fresh memory is touched.
 */
export function allocRun(a: Arena, slotWord: number, owner: number, n: number, align: number, scanFirst = false): number {
  const u32 = a.u32;
  const phase = alignPhase(a, align);
  lock(a.i32, H_SEGMENT_LOCK, a.me);
  try {
    const segBase = (s: number): number => s * PAGES_PER_SEGMENT;
    // 1. The current segment.
    const cur = u32[slotWord + S_CUR_SEGMENT] - 1;
    if (cur >= 0) {
      const e = segEntry(a, cur);
      if (u32[e + SEG_STATE] === SEG_OPEN && u32[e + SEG_LARGEST_RUN] >= n) {
        const first = findRun(u32, e, n, align, phase);
        if (first >= 0) {
          takePages(a, cur, first, n);
          return segBase(cur) + first;
        }
      }
    }
    // 2. S49 pack: partly free segments whose largest free run fits.
    for (let k = HZ3_S49_SEGMENT_PACK ? packBucketOf(n) : PACK_BUCKETS; k < PACK_BUCKETS; k++) {
      const base = a.packWord + k * a.layout.packWordsPerBucket;
      for (let w = 0; w < a.layout.packWordsPerBucket; w++) {
        let bits = u32[base + w];
        while (bits !== 0) {
          const low = bits & -bits;
          bits ^= low;
          const seg = w * 32 + (31 - Math.clz32(low));
          const e = segEntry(a, seg);
          if (u32[e + SEG_LARGEST_RUN] < n) continue;
          const first = findRun(u32, e, n, align, phase);
          if (first < 0) continue;
          takePages(a, seg, first, n);
          u32[slotWord + S_CUR_SEGMENT] = seg + 1;
          if (HZ3_S49_PACK_OBSERVE) hooks.onPackSearch(a, slotWord, PACK_HIT);
          return segBase(seg) + first;
        }
      }
    }
    if (HZ3_S49_PACK_OBSERVE) hooks.onPackSearch(a, slotWord, PACK_MISS);
    // 3. A fully free or never-used segment.
    if (scanFirst && findSetBit(a, FREE_SET) < 0 && u32[H_FRESH_SEGMENT] < a.layout.segments && centralScanDue(a)) return SCAN_FIRST;
    const first = -phase & (align - 1); // the segment's first aligned page
    if (first + n > PAGES_PER_SEGMENT) return -1;
    const seg = openSegment(a, owner);
    if (seg < 0) return -1;
    if (HZ3_S49_PACK_OBSERVE) hooks.onPackSearch(a, slotWord, PACK_NEW_SEGMENT);
    u32[slotWord + S_CUR_SEGMENT] = seg + 1;
    takePages(a, seg, first, n);
    return segBase(seg) + first;
  } finally {
    unlock(a.i32, H_SEGMENT_LOCK);
  }
}

/** Take `count` contiguous whole segments (a span for a run above 256 pages); returns the first page or -1. */
export function allocSpan(a: Arena, count: number): number {
  const u32 = a.u32;
  lock(a.i32, H_SEGMENT_LOCK, a.me);
  try {
    const { firstDataSegment, segments } = a.layout;
    let run = 0;
    for (let s = firstDataSegment; s < segments; s++) {
      const st = u32[segEntry(a, s) + SEG_STATE];
      run = st === SEG_FREE || st === SEG_FRESH ? run + 1 : 0;
      if (run < count) continue;
      const first = s - count + 1;
      // Never-used segments the bump skips over become free segments, not lost ones.
      for (let t = u32[H_FRESH_SEGMENT]; t < first; t++) if (u32[segEntry(a, t) + SEG_STATE] === SEG_FRESH) fileFree(a, t);
      for (let t = first; t <= s; t++) {
        const e = segEntry(a, t);
        if (u32[e + SEG_STATE] === SEG_FREE) setBit(a, FREE_SET, t, false);
        u32[e + SEG_STATE] = SEG_SPAN;
        u32[e + SEG_FREE_PAGES] = 0;
        u32[e + SEG_LARGEST_RUN] = 0;
        u32[e + SEG_SPAN_SEGMENTS] = t === first ? count : 0;
        for (let w = 0; w < 8; w++) u32[e + SEG_BITMAP + w] = 0;
      }
      if (s + 1 > u32[H_FRESH_SEGMENT]) u32[H_FRESH_SEGMENT] = s + 1;
      u32[H_SEGMENTS_OPEN] += count;
      return first * PAGES_PER_SEGMENT;
    }
    return -1;
  } finally {
    unlock(a.i32, H_SEGMENT_LOCK);
  }
}

/**
 * Give a run of `n` pages back to its segment (or a span's segments back to the
 * free set), stamping each page's `freedAt` (the decay purge's clock).
 */
export function freeRun(a: Arena, page: number, n: number): void {
  const u32 = a.u32;
  const now = a.now();
  lock(a.i32, H_SEGMENT_LOCK, a.me);
  try {
    const seg = Math.floor(page / PAGES_PER_SEGMENT);
    const e = segEntry(a, seg);
    if (u32[e + SEG_STATE] === SEG_SPAN) {
      const count = u32[e + SEG_SPAN_SEGMENTS];
      a.freedAt.fill(now, seg * PAGES_PER_SEGMENT, (seg + count) * PAGES_PER_SEGMENT);
      for (let t = seg; t < seg + count; t++) {
        const te = segEntry(a, t);
        for (let w = 0; w < 8; w++) u32[te + SEG_BITMAP + w] = 0xffffffff;
        u32[te + SEG_FREE_PAGES] = PAGES_PER_SEGMENT;
        u32[te + SEG_SPAN_SEGMENTS] = 0;
        u32[te + SEG_STATE] = SEG_OPEN; // refile turns it into SEG_FREE
        u32[te + SEG_LARGEST_RUN] = 0;
        refile(a, t);
      }
      return;
    }
    const first = page - seg * PAGES_PER_SEGMENT;
    if (HZ3_ASSERT) assertPages(a, e, seg * PAGES_PER_SEGMENT, first, n, false, 'freeRun');
    a.freedAt.fill(now, page, page + n);
    for (let i = first; i < first + n; i++) u32[e + SEG_BITMAP + (i >>> 5)] |= 1 << (i & 31);
    u32[e + SEG_FREE_PAGES] += n;
    refile(a, seg);
  } finally {
    unlock(a.i32, H_SEGMENT_LOCK);
  }
}

/** Pages of fully free segments and free runs inside open segments (for trim and release boxes). */
export function forEachFreeRun(a: Arena, visit: (page: number, n: number) => void): void {
  const u32 = a.u32;
  lock(a.i32, H_SEGMENT_LOCK, a.me);
  try {
    const end = u32[H_FRESH_SEGMENT];
    for (let s = a.layout.firstDataSegment; s < end; s++) {
      const e = segEntry(a, s);
      const st = u32[e + SEG_STATE];
      if (st !== SEG_OPEN && st !== SEG_FREE) continue;
      let run = 0;
      for (let i = 0; i <= PAGES_PER_SEGMENT; i++) {
        const free = i < PAGES_PER_SEGMENT && ((u32[e + SEG_BITMAP + (i >>> 5)] >>> (i & 31)) & 1) === 1;
        if (free) run++;
        else if (run > 0) {
          visit(s * PAGES_PER_SEGMENT + i - run, run);
          run = 0;
        }
      }
    }
  } finally {
    unlock(a.i32, H_SEGMENT_LOCK);
  }
}

/**
 * heap.reset(): every segment ever used becomes a free segment again (its pages
 * stay resident until trim() or a purge releases them), with no page in any
 * run; page tags, run lengths and live marks of those pages are cleared.
 * The caller guarantees no other thread uses the heap.
 */
export function resetSegments(a: Arena): void {
  const u32 = a.u32;
  lock(a.i32, H_SEGMENT_LOCK, a.me);
  try {
    const { firstDataSegment, packWordsPerBucket } = a.layout;
    const fresh = u32[H_FRESH_SEGMENT];
    for (let w = 0; w < (PACK_BUCKETS + 1) * packWordsPerBucket; w++) u32[a.packWord + w] = 0;
    const now = a.now();
    for (let s = firstDataSegment; s < fresh; s++) fileFree(a, s);
    const firstPage = firstDataSegment * PAGES_PER_SEGMENT;
    const endPage = fresh * PAGES_PER_SEGMENT;
    a.ptag.fill(0, firstPage, endPage);
    a.runLen.fill(0, firstPage, endPage);
    a.freedAt.fill(now, firstPage, endPage);
    a.gmap.fill(0, firstPage * (PAGE_SIZE / GRANULE), endPage * (PAGE_SIZE / GRANULE));
    u32[H_SEGMENTS_OPEN] = 0;
  } finally {
    unlock(a.i32, H_SEGMENT_LOCK);
  }
}

/** Free data pages and the longest run of contiguous free pages in one segment (a snapshot, for messages). */
export function freePageCensus(a: Arena): { freePages: number; largestRun: number } {
  const u32 = a.u32;
  let freePages = 0;
  let largestRun = 0;
  const fresh = Atomics.load(u32, H_FRESH_SEGMENT);
  for (let s = a.layout.firstDataSegment; s < a.layout.segments; s++) {
    const e = segEntry(a, s);
    const st = u32[e + SEG_STATE];
    const free = s >= fresh && st === SEG_FRESH ? PAGES_PER_SEGMENT : st === SEG_SPAN ? 0 : u32[e + SEG_FREE_PAGES];
    const run = s >= fresh && st === SEG_FRESH ? PAGES_PER_SEGMENT : st === SEG_FREE ? PAGES_PER_SEGMENT : st === SEG_OPEN ? u32[e + SEG_LARGEST_RUN] : 0;
    freePages += free;
    if (run > largestRun) largestRun = run;
  }
  return { freePages, largestRun };
}

/** Run `fn` holding the segment lock (no run can change hands meanwhile). */
export function withSegmentLock<T>(a: Arena, fn: () => T): T {
  lock(a.i32, H_SEGMENT_LOCK, a.me);
  try {
    return fn();
  } finally {
    unlock(a.i32, H_SEGMENT_LOCK);
  }
}

/** True when pages [page, page + n) are all free in their segment (hold the segment lock). */
export function pagesFree(a: Arena, page: number, n: number): boolean {
  const seg = Math.floor(page / PAGES_PER_SEGMENT);
  const e = segEntry(a, seg);
  const st = a.u32[e + SEG_STATE];
  if (st !== SEG_OPEN && st !== SEG_FREE) return false;
  for (let p = page; p < page + n; p++) {
    const i = p - seg * PAGES_PER_SEGMENT;
    if (((a.u32[e + SEG_BITMAP + (i >>> 5)] >>> (i & 31)) & 1) === 0) return false;
  }
  return true;
}

/** Count `n` pages from `page` as touched (resident) for the allocator's own RSS account. */
export function markResident(a: Arena, page: number, n: number): void {
  const added = a.pageBits(a.residentWord, page, n, true);
  if (added > 0) Atomics.add(a.u32, H_RESIDENT_PAGES, added);
}

/** Pages of the range that are dirty (may hold non-zero bytes): zero those, then mark all dirty. */
export function zeroDirtyPages(a: Arena, page: number, n: number): void {
  for (let p = page; p < page + n; p++) {
    if (a.pageBit(a.dirtyWord, p)) a.u8.fill(0, p * 4096, (p + 1) * 4096);
  }
  a.pageBits(a.dirtyWord, page, n, true);
}

export const markDirty = (a: Arena, page: number, n: number): void => {
  a.pageBits(a.dirtyWord, page, n, true);
};
