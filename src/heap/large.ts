/**
 * Large objects (> 32 KiB, or any block aligned above 4 KiB): page runs taken
 * straight from segments, spans of whole segments above 1 MiB. Shared (owner 0
 * in the page tag), so any thread frees them through the segment lock.
 */
import { Arena } from './arena.ts';
import { H_LARGE_PAGES, LARGE_BIN, PAGE_SIZE, PAGES_PER_SEGMENT, makeTag } from './layout.ts';
import { allocRun, allocSpan, freeRun, markDirty, markResident, zeroDirtyPages } from './segments.ts';
import { HeapError, show } from './errors.ts';
import type { ThreadHeap } from './thread-cache.ts';

const LARGE_TAG = makeTag(LARGE_BIN, 0);

/** Allocate `size` bytes as a page run aligned to `alignPages` pages; zero it when `zero`. */
export function mallocLarge(t: ThreadHeap, size: number, alignPages: number, zero: boolean): number {
  const a: Arena = t.arena;
  const dataBytes = a.layout.arenaBytes - a.layout.metaBytes;
  if (size > dataBytes) {
    throw new HeapError('ESIZE', `cannot allocate ${show(size)} bytes: larger than the heap's ${dataBytes} data bytes`);
  }
  const pages = Math.max(1, Math.ceil(size / PAGE_SIZE));
  const page =
    pages <= PAGES_PER_SEGMENT
      ? allocRun(a, t.slotWord, t.owner, pages, alignPages)
      : allocSpan(a, Math.ceil(pages / PAGES_PER_SEGMENT));
  if (page < 0) return t.exhausted(size, `no free run of ${pages} pages`);
  a.ptag.fill(LARGE_TAG, page, page + pages);
  a.runLen[page] = pages;
  markResident(a, page, pages);
  if (zero) zeroDirtyPages(a, page, pages);
  else markDirty(a, page, pages);
  const p = page * PAGE_SIZE;
  a.gmap[p >>> 4] = 1;
  Atomics.add(a.u32, H_LARGE_PAGES, pages);
  return p;
}

/** Free a live large block (already checked by the caller). */
export function freeLarge(t: ThreadHeap, p: number): void {
  const a = t.arena;
  const page = p / PAGE_SIZE;
  const pages = a.runLen[page];
  a.gmap[p >>> 4] = 0;
  a.runLen[page] = 0;
  a.ptag.fill(0, page, page + pages);
  Atomics.sub(a.u32, H_LARGE_PAGES, pages);
  freeRun(a, page, pages);
}
