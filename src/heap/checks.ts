/**
 * Pointer checks for the slow paths (free, realloc, usableSize): a pointer that
 * is not a live block start gets a HeapError that says exactly what is wrong.
 *
 * What is caught where:
 *   type, range, alignment, page with no allocation   every lane (slow path)
 *   double free, interior pointer (small, medium)     lanes with HZ3_FREE_CHECKS
 *     (medium: an interior pointer is EINTERIOR with S57's runs, EDOUBLE_FREE otherwise)
 *   double free, interior pointer (large)             every lane
 */
import { Arena } from './arena.ts';
import { LARGE_BIN, PAGE_SHIFT, PAGE_SIZE, TAG_BIN_MASK } from './layout.ts';
import { FIRST_MEDIUM_BIN, binSize } from './size-classes.ts';
import { HeapError, show } from '../base/errors.ts';
import { mediumPointerError } from './medium-runs.ts';

export const doubleFree = (p: number, op: string): HeapError =>
  new HeapError('EDOUBLE_FREE', `${op}: block ${show(p)} is already free`);

/**
 * Return the page tag of the user's pointer `ptr` (a byte offset into the whole
 * buffer) if it is a live block start of this heap; throw otherwise. Messages
 * name pointers as the user sees them; page numbers are the heap's own.
 */
export function checkLive(a: Arena, ptr: unknown, op: string): number {
  if (typeof ptr !== 'number') throw new HeapError('EPTR_TYPE', `${op}: pointer must be a number, got ${typeof ptr} ${show(ptr)}`);
  if (!Number.isInteger(ptr)) throw new HeapError('EPTR_TYPE', `${op}: pointer must be an integer byte offset, got ${show(ptr)}`);
  const { arenaBytes, metaBytes } = a.layout;
  const base = a.base;
  const p = ptr - base;
  if (p < metaBytes || p >= arenaBytes) {
    throw new HeapError('EPTR_RANGE', `${op}: pointer ${show(ptr)} is outside this heap's data [${base + metaBytes}, ${base + arenaBytes})`);
  }
  if ((p & 15) !== 0) throw new HeapError('EPTR_ALIGN', `${op}: pointer ${show(ptr)} is not 16-byte aligned`);
  const page = p >>> PAGE_SHIFT;
  const tag = a.ptag[page];
  if (tag === 0) {
    throw new HeapError('EPTR_NOT_ALLOCATED', `${op}: pointer ${show(ptr)} is in page ${page} of the heap, which holds no allocation (freed already, or never allocated)`);
  }
  const bin = tag & TAG_BIN_MASK;
  if (bin === LARGE_BIN) {
    // A live large block starts a run (runLen set); freeLarge's claim settles two frees racing past here.
    if (p % PAGE_SIZE === 0 && a.runLen[page] !== 0) return tag;
    const start = liveLargeRunStart(a, page);
    if (start >= 0) {
      throw new HeapError('EINTERIOR', `${op}: pointer ${show(ptr)} is ${p - start * PAGE_SIZE} bytes inside the large block at ${show(base + start * PAGE_SIZE)}, not at its start`);
    }
    if (p % PAGE_SIZE === 0) throw doubleFree(ptr, op);
    throw new HeapError('EPTR_NOT_ALLOCATED', `${op}: pointer ${show(ptr)} is in a large run that is no longer live (freed already)`);
  }
  if (!HZ3_FREE_CHECKS || a.gmap[p >>> 4] === 1) return tag;
  // S57 medium runs hold several objects, which may straddle pages: the run start is in runLen (medium-runs.ts).
  if (HZ3_S57_MEDIUM_FINE_CLASSES) if (bin >= FIRST_MEDIUM_BIN) throw mediumPointerError(a, p, page, bin, op);
  const size = binSize(bin);
  if (bin < FIRST_MEDIUM_BIN) {
    const offset = p - page * PAGE_SIZE;
    const blocks = Math.floor(PAGE_SIZE / size);
    if (offset >= blocks * size) {
      throw new HeapError(
        'EPTR_NOT_ALLOCATED',
        `${op}: pointer ${show(ptr)} is in the unused last ${PAGE_SIZE - blocks * size} bytes of page ${page} of the heap, whose ${blocks} blocks of ${size} bytes end at offset ${blocks * size}`,
      );
    }
    const start = offset - (offset % size);
    if (start === offset) throw doubleFree(ptr, op);
    throw new HeapError('EINTERIOR', `${op}: pointer ${show(ptr)} is ${offset - start} bytes inside a ${size}-byte block at ${show(base + page * PAGE_SIZE + start)}`);
  }
  throw new HeapError('EDOUBLE_FREE', `${op}: pointer ${show(ptr)} is not a live ${size}-byte block: already free, or a page inside a block`);
}

/** First page of the live large run that covers `page`, or -1 (walks back over large-tagged pages). */
function liveLargeRunStart(a: Arena, page: number): number {
  const tag = a.ptag[page];
  for (let s = page; s >= 0 && a.ptag[s] === tag; s--) {
    const n = a.runLen[s];
    if (n !== 0) return s + n > page ? s : -1;
  }
  return -1;
}

/** Usable bytes of the live block at the user's pointer `ptr`, whose tag checkLive returned. */
export function usableOf(a: Arena, ptr: number, tag: number): number {
  const bin = tag & TAG_BIN_MASK;
  return bin === LARGE_BIN ? a.runLen[(ptr - a.base) >>> PAGE_SHIFT] * PAGE_SIZE : binSize(bin);
}
