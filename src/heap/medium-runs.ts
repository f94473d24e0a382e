/**
 * S57 multi-object medium runs (flag HZ3_S57_MEDIUM_FINE_CLASSES): what the slow
 * paths need to know about a run whose objects may straddle its pages. Called
 * only from `if (HZ3_S57_MEDIUM_FINE_CLASSES)` branches, so the default bundle
 * carries none of it. Classes and run sizes: ./medium-classes.ts.
 *
 * Run start. Every page of an S57 medium run records in `runLen[page]` its
 * distance from the run's first page plus one: 1 on the first page, 2 on the
 * next, ... up to the run's length (small pages and free pages keep 0, a large
 * run keeps its length on its first page and 0 inside). The carve writes it,
 * returnToSegments clears it before the run goes back to its segment. The block
 * that covers byte p of such a run starts at
 *
 *   base + floor((p - base) / size) * size,   base = runStartOf(page) * PAGE_SIZE
 *
 * which the pointer checks (EINTERIOR names it), the reclaim scan (free blocks
 * are counted per run start) and heap.check() use. The granule mark at an
 * object's start still means "a live block starts here", wherever the object is.
 */
import type { Arena } from './arena.ts';
import { PAGE_SIZE, PAGES_PER_SEGMENT, TAG_BIN_MASK } from './layout.ts';
import { binObjectsPerRun, binRunPages, binSize } from './size-classes.ts';
import { S57_CLASSES } from './medium-classes.ts';
import { HeapError, show } from '../base/errors.ts';

/** Record the run starts of `runs` runs of `runPages` pages each, from `page` (the carve, before the pages are tagged). */
export function markMediumRuns(a: Arena, page: number, runs: number, runPages: number): void {
  const runLen = a.runLen;
  for (let r = 0, p = page; r < runs; r++) for (let i = 1; i <= runPages; i++) runLen[p++] = i;
}

/** First page of the run that holds `page` (the page itself for small pages). */
export function runStartOf(a: Arena, page: number): number {
  const d = a.runLen[page];
  return d === 0 ? page : page - d + 1;
}

/** Forget the run starts of a run going back to its segment. */
export function clearMediumRun(a: Arena, page: number, pages: number): void {
  a.runLen.fill(0, page, page + pages);
}

/**
 * The error for heap offset `p` in a page of S57 medium bin `bin` that is not a live block
 * start: in the run's unused tail, at a free block's start (double free), or
 * inside a block (EINTERIOR, with the block's start).
 */
export function mediumPointerError(a: Arena, p: number, page: number, bin: number, op: string): HeapError {
  const ptr = a.base + p; // as the user named it
  const size = binSize(bin);
  const first = runStartOf(a, page);
  const base = first * PAGE_SIZE;
  const blocks = binObjectsPerRun(bin);
  const runBytes = binRunPages(bin) * PAGE_SIZE;
  const offset = p - base;
  if (offset >= blocks * size) {
    return new HeapError(
      'EPTR_NOT_ALLOCATED',
      `${op}: pointer ${show(ptr)} is in the unused last ${runBytes - blocks * size} bytes of the ${binRunPages(bin)}-page run at page ${first}, whose ${blocks} blocks of ${size} bytes end at offset ${blocks * size}`,
    );
  }
  const start = offset - (offset % size);
  if (start === offset) return new HeapError('EDOUBLE_FREE', `${op}: block ${show(ptr)} is already free`);
  return new HeapError('EINTERIOR', `${op}: pointer ${show(ptr)} is ${offset - start} bytes inside a ${size}-byte block at ${show(a.base + base + start)}`);
}

/** heap.check(): why free block `p` of S57 medium bin `bin` is not a block start of its run, or undefined. */
export function mediumBlockProblem(a: Arena, p: number, bin: number): string | undefined {
  const page = Math.floor(p / PAGE_SIZE);
  if (a.runLen[page] === 0) return `free block ${a.base + p} of bin ${bin} is in page ${page}, which records no run start`;
  const base = runStartOf(a, page) * PAGE_SIZE;
  const size = binSize(bin);
  const offset = p - base;
  if (offset % size !== 0 || offset >= binObjectsPerRun(bin) * size) {
    return `free block ${a.base + p} of bin ${bin} is ${offset} bytes into its run at ${a.base + base}: not a block start (blocks of ${size} bytes)`;
  }
  return undefined;
}

/**
 * heap.check(): page `page` (index `i` in its segment, tag `tag`) of an S57
 * medium bin: its run-start distance is in [1, run pages], the page before it
 * continues the same run (or it starts one), the page after it too (or it ends
 * one), and the run does not cross the end of its segment.
 */
export function mediumPageProblem(a: Arena, page: number, i: number, tag: number): string | undefined {
  const bin = tag & TAG_BIN_MASK;
  const pages = binRunPages(bin);
  const d = a.runLen[page];
  if (d < 1 || d > pages) return `page ${page}: a page of S57 bin ${bin} (runs of ${pages} pages) records run distance ${d}`;
  if (i - (d - 1) < 0 || i + (pages - d) >= PAGES_PER_SEGMENT) return `page ${page}: its ${pages}-page run of bin ${bin} crosses its segment's bounds`;
  if (d > 1 && (a.ptag[page - 1] !== tag || a.runLen[page - 1] !== d - 1)) {
    return `page ${page}: page ${d} of a run of bin ${bin}, but page ${page - 1} (tag ${a.ptag[page - 1]}, distance ${a.runLen[page - 1]}) does not precede it`;
  }
  if (d < pages && (a.ptag[page + 1] !== tag || a.runLen[page + 1] !== d + 1)) {
    return `page ${page}: page ${d} of a run of ${pages} pages of bin ${bin}, but page ${page + 1} (tag ${a.ptag[page + 1]}, distance ${a.runLen[page + 1]}) does not follow it`;
  }
  return undefined;
}

/**
 * alignedAlloc with S57 for `size` <= 32 KiB and `alignment` 32..4096: the
 * smallest class that holds it and is a multiple of the alignment (its objects
 * then sit at multiples of the alignment from a page-aligned run). Returns the
 * size to ask malloc for.
 */
export function alignedMediumSize(size: number, alignment: number): number {
  const want = Math.max(size, 2049);
  for (let m = 0; m < S57_CLASSES.size.length; m++) {
    const s = S57_CLASSES.size[m];
    if (s >= want && s % alignment === 0) return s;
  }
  return 8 * PAGE_SIZE; // unreachable: 32768 is a multiple of every alignment up to 4096
}
