/**
 * Pointer checks for the slow paths (free, realloc, usableSize): a pointer that
 * is not a live block start gets a HeapError that says exactly what is wrong.
 *
 * What is caught where:
 *   type, range, alignment, page with no allocation   every lane (slow path)
 *   double free, interior pointer (small, medium)     lanes with HZ3_FREE_CHECKS
 *   double free, interior pointer (large)             every lane
 */
import { Arena } from './arena.ts';
import { LARGE_BIN, PAGE_SHIFT, PAGE_SIZE, TAG_BIN_MASK } from './layout.ts';
import { FIRST_MEDIUM_BIN, binSize } from './size-classes.ts';
import { HeapError, show } from './errors.ts';

export const doubleFree = (p: number, op: string): HeapError =>
  new HeapError('EDOUBLE_FREE', `${op}: block ${show(p)} is already free`);

/** Return the page tag of `p` if it is a live block start; throw otherwise. */
export function checkLive(a: Arena, p: unknown, op: string): number {
  if (typeof p !== 'number') throw new HeapError('EPTR_TYPE', `${op}: pointer must be a number, got ${typeof p} ${show(p)}`);
  const { arenaBytes, metaBytes } = a.layout;
  if (!Number.isInteger(p) || p < metaBytes || p >= arenaBytes) {
    throw new HeapError('EPTR_RANGE', `${op}: pointer ${show(p)} is outside this heap's data [${metaBytes}, ${arenaBytes})`);
  }
  if ((p & 15) !== 0) throw new HeapError('EPTR_ALIGN', `${op}: pointer ${show(p)} is not 16-byte aligned`);
  const page = p >>> PAGE_SHIFT;
  const tag = a.ptag[page];
  if (tag === 0) {
    throw new HeapError('EPTR_NOT_ALLOCATED', `${op}: pointer ${show(p)} is in page ${page}, which holds no allocation (freed already, or never allocated)`);
  }
  const bin = tag & TAG_BIN_MASK;
  if (bin === LARGE_BIN) {
    // Walk back to the run's first page: a live large block starts there.
    let first = page;
    while (first > 0 && a.runLen[first] === 0 && a.ptag[first - 1] === tag) first--;
    if (p !== first * PAGE_SIZE || a.runLen[first] === 0) {
      throw new HeapError('EINTERIOR', `${op}: pointer ${show(p)} is inside the large block at ${show(first * PAGE_SIZE)}, not at its start`);
    }
    return tag;
  }
  if (!HZ3_FREE_CHECKS || a.gmap[p >>> 4] === 1) return tag;
  const size = binSize(bin);
  if (bin < FIRST_MEDIUM_BIN) {
    const offset = p - page * PAGE_SIZE;
    const start = offset - (offset % size);
    if (start === offset && offset + size <= PAGE_SIZE) throw doubleFree(p, op);
    throw new HeapError('EINTERIOR', `${op}: pointer ${show(p)} is ${offset - start} bytes inside a ${size}-byte block at ${show(page * PAGE_SIZE + start)}`);
  }
  throw new HeapError('EDOUBLE_FREE', `${op}: pointer ${show(p)} is not a live ${size}-byte block: already free, or a page inside a block`);
}

/** Usable bytes of the live block at `p` with tag `tag`. */
export function usableOf(a: Arena, p: number, tag: number): number {
  const bin = tag & TAG_BIN_MASK;
  return bin === LARGE_BIN ? a.runLen[p >>> PAGE_SHIFT] * PAGE_SIZE : binSize(bin);
}
