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
import { arenaPageOffset, osPageSize, osRelease, osResidentPages, releaseMode } from '../platform/release.ts';

export interface ReleaseTally {
  /** Release calls made (madvise calls in 'madvise' mode). */
  calls: number;
  pages: number;
  /** Bytes the OS took back (0 in 'record-only' mode). */
  bytes: number;
}

export const newTally = (): ReleaseTally => ({ calls: 0, pages: 0, bytes: 0 });

/** What the OS says is resident of the arena (mincore), metadata and data apart, in bytes; NaN without the addon. */
export function osResidentBytes(a: Arena): { metadataBytes: number; dataBytes: number } {
  const { metaBytes, arenaBytes } = a.layout;
  return {
    metadataBytes: osResidentPages(a.u8, a.base, metaBytes) * PAGE_SIZE,
    dataBytes: osResidentPages(a.u8, a.base + metaBytes, arenaBytes - metaBytes) * PAGE_SIZE,
  };
}

/** Where the buffer's data starts in an OS page (the addon's alignmentOffset), per buffer. */
const phases = new WeakMap<object, number>();

/**
 * The bytes of [byteOffset, byteOffset + byteLength) of the arena that the OS
 * boundary releases: the OS pages wholly inside, as arena offsets [from, to)
 * (empty when none, and always in record-only mode). A buffer whose data does
 * not start on an OS page (a plain SharedArrayBuffer or ArrayBuffer of the
 * caller's: 16 bytes in) or OS pages above 4 KiB leave the ends out.
 */
export function releasedPart(a: Arena, byteOffset: number, byteLength: number): { from: number; to: number } {
  if (releaseMode !== 'madvise') return { from: byteOffset, to: byteOffset };
  let phase = phases.get(a.buffer);
  if (phase === undefined) phases.set(a.buffer, (phase = arenaPageOffset(a.u8)));
  const at = phase + a.base; // where the arena's byte 0 lies, modulo the OS page size
  const from = Math.ceil((at + byteOffset) / osPageSize) * osPageSize - at;
  const to = Math.floor((at + byteOffset + byteLength) / osPageSize) * osPageSize - at;
  return to > from ? { from, to } : { from: byteOffset, to: byteOffset };
}

/**
 * Make [byteOffset, byteOffset + byteLength) of the arena read as zero without
 * touching what need not be: the whole OS pages inside are released (they read
 * back as zero and stay uncommitted), the rest is written. For metadata a
 * caller's region brings in (src/api/heap.ts).
 */
export function zeroRange(a: Arena, byteOffset: number, byteLength: number): void {
  const { from, to } = releasedPart(a, byteOffset, byteLength);
  if (to > from) osRelease(a.u8, a.base + from, to - from);
  a.u8.fill(0, byteOffset, from);
  a.u8.fill(0, Math.max(from, to), byteOffset + byteLength);
}

/**
 * Release pages [page, page + n) to the OS. The caller guarantees they hold no
 * live data and that no thread can take them during the call (they are free in
 * a segment under the segment lock, or held exclusively by the caller).
 */
export function releasePages(a: Arena, page: number, n: number, tally?: ReleaseTally): number {
  const bytes = osRelease(a.u8, a.base + page * PAGE_SIZE, n * PAGE_SIZE);
  const dropped = a.pageBits(a.residentWord, page, n, false);
  if (dropped > 0) Atomics.sub(a.u32, H_RESIDENT_PAGES, dropped);
  // Read back as zero now: the heap pages wholly inside the OS pages released, no more (ends may be left).
  const { from, to } = releasedPart(a, page * PAGE_SIZE, n * PAGE_SIZE);
  const first = Math.ceil(from / PAGE_SIZE);
  const end = Math.floor(to / PAGE_SIZE);
  if (end > first) a.pageBits(a.dirtyWord, first, end - first, false);
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
