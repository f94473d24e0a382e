/**
 * Large objects (> 32 KiB, or any block aligned above 4 KiB): page runs taken
 * straight from segments, spans of whole segments above 1 MiB. Shared (owner 0
 * in the page tag), so any thread frees them through the segment lock.
 *
 * Free claims the block first, in every lane: the granule mark at its start is
 * cleared with one compareExchange, so of two threads freeing it at once one
 * wins and the other gets EDOUBLE_FREE, and the run is given back once.
 */
import { Arena } from './arena.ts';
import { H_LARGE_BLOCKS, H_LARGE_PAGES, LARGE_BIN, PAGE_SIZE, PAGES_PER_SEGMENT, makeTag } from './layout.ts';
import { allocSpan, alignPhase, freeRun, markDirty, markResident, zeroDirtyPages } from './segments.ts';
import { HeapError, show } from '../base/errors.ts';
import { doubleFree } from './checks.ts';
import { hooks } from './hooks.ts';
import type { AllocatingSlot } from './slot.ts';

const LARGE_TAG = makeTag(LARGE_BIN, 0);

/** A run of `pages` pages (a span of whole segments above one segment), or -1. */
function takeLargeRun(t: AllocatingSlot, pages: number, alignPages: number): number {
  return pages <= PAGES_PER_SEGMENT ? t.takeRun(pages, alignPages) : allocSpan(t.arena, Math.ceil(pages / PAGES_PER_SEGMENT));
}

/**
 * Allocate `size` bytes as a page run aligned to `alignPages` pages of the
 * whole buffer; zero it when `zero`. Returns the user's pointer (base + p), or
 * 0 from exhausted().
 */
export function mallocLarge(t: AllocatingSlot, size: number, alignPages: number, zero: boolean): number {
  const a: Arena = t.arena;
  const dataBytes = a.layout.arenaBytes - a.layout.metaBytes;
  if (size > dataBytes) return t.exhausted(size, `larger than the heap's ${dataBytes} data bytes`);
  const pages = Math.max(1, Math.ceil(size / PAGE_SIZE));
  // In a region that starts off the alignment, a segment's aligned pages begin `lead` pages in, and a span
  // (whole segments from the base) is not aligned at all: what does not fit after the lead cannot be given.
  const lead = alignPages > 1 ? -alignPhase(a, alignPages) & (alignPages - 1) : 0;
  if (lead !== 0 && lead + pages > PAGES_PER_SEGMENT) {
    throw new HeapError(
      'EALIGN',
      `alignedAlloc: ${show(size)} bytes aligned to ${alignPages * PAGE_SIZE} do not fit in a segment of this heap, whose region starts at ${a.base}, ${lead * PAGE_SIZE} bytes short of a multiple of ${alignPages * PAGE_SIZE}; start the region at a multiple of the alignment`,
    );
  }
  let page = takeLargeRun(t, pages, alignPages);
  if (page < 0) {
    t.reclaim(); // and once more, whatever it brought back: another thread may have freed meanwhile
    page = takeLargeRun(t, pages, alignPages);
  }
  if (page < 0) {
    const what = pages <= PAGES_PER_SEGMENT ? `${pages} contiguous free pages` : `${Math.ceil(pages / PAGES_PER_SEGMENT)} contiguous free segments`;
    return t.exhausted(size, `no run of ${what}${alignPages > 1 ? ` aligned to ${alignPages} pages` : ''}`);
  }
  a.ptag.fill(LARGE_TAG, page, page + pages);
  a.runLen[page] = pages;
  markResident(a, page, pages);
  if (zero) zeroDirtyPages(a, page, pages);
  else markDirty(a, page, pages);
  const p = page * PAGE_SIZE;
  Atomics.add(a.u32, H_LARGE_PAGES, pages);
  Atomics.add(a.u32, H_LARGE_BLOCKS, 1);
  if (HZ3_RSS_BREAKDOWN_OBSERVE) hooks.onLargeBlock(t, page, size, true);
  Atomics.store(a.gmap, p >>> 4, 1); // live from here on: a free can claim it
  return a.base + p;
}

/** Free the large block at heap offset `p` the caller (slot word `slotWord`) found live; throws EDOUBLE_FREE if another thread claimed it first. */
export function freeLarge(a: Arena, slotWord: number, p: number, op = 'free'): void {
  if (Atomics.compareExchange(a.gmap, p >>> 4, 1, 0) !== 1) throw doubleFree(a.base + p, op);
  const page = p / PAGE_SIZE;
  if (HZ3_RSS_BREAKDOWN_OBSERVE) hooks.onLargeBlock({ arena: a, slotWord }, page, 0, false);
  const pages = a.runLen[page];
  a.runLen[page] = 0;
  a.ptag.fill(0, page, page + pages);
  Atomics.sub(a.u32, H_LARGE_PAGES, pages);
  Atomics.sub(a.u32, H_LARGE_BLOCKS, 1);
  freeRun(a, page, pages);
}
