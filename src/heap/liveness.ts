/**
 * Is this pointer a live block? heap.isLive(ptr): never throws, in every lane.
 *
 * Lanes with the granule mark (HZ3_FREE_CHECKS, the default) know it from the
 * mark, at any time. The fast lane keeps no mark for small and medium blocks:
 * there, a pointer is live when it starts a block of its page (for medium
 * blocks, a run: the pages of one tag stretch over whole runs, so a run starts
 * every binRunPages pages from the stretch's first page; S57 runs record their
 * start) and no free list holds it. That walks every free list, so it is slow
 * and exact only while no other thread allocates or frees.
 */
import { Arena } from './arena.ts';
import { CENTRAL_SHARDS, LARGE_BIN, PAGE_SHIFT, PAGE_SIZE, S_REMOTE_COUNT, S_REMOTE_RING, TAG_BIN_MASK, tcWord } from './layout.ts';
import { FIRST_MEDIUM_BIN, binRunPages, binSize } from './size-classes.ts';
import { centralEntry } from './central.ts';
import { inboxWord } from './remote.ts';
import { checkLive } from './checks.ts';
import { runStartOf } from './medium-runs.ts';

export function isLiveBlock(a: Arena, p: unknown): boolean {
  let tag: number;
  try {
    tag = checkLive(a, p, 'isLive'); // type, range, alignment, tagged page; the mark where the lane keeps one
  } catch {
    return false;
  }
  const q = (p as number) - a.base; // the heap's offset of the user's pointer
  const bin = tag & TAG_BIN_MASK;
  if (HZ3_FREE_CHECKS || bin === LARGE_BIN) return true;
  return startsBlock(a, q, tag) && !onFreeList(a, q, bin);
}

/** Without marks: does `p` start a block of the page (small) or a run (medium)? */
function startsBlock(a: Arena, p: number, tag: number): boolean {
  const bin = tag & TAG_BIN_MASK;
  const page = p >>> PAGE_SHIFT;
  const offset = p - page * PAGE_SIZE;
  const size = binSize(bin);
  if (bin < FIRST_MEDIUM_BIN) return offset % size === 0 && offset + size <= PAGE_SIZE;
  if (HZ3_S57_MEDIUM_FINE_CLASSES) {
    const start = runStartOf(a, page) * PAGE_SIZE;
    return (p - start) % size === 0;
  }
  if (offset !== 0) return false;
  let first = page;
  while (first > 0 && a.ptag[first - 1] === tag) first--;
  return (page - first) % binRunPages(bin) === 0;
}

/** Is `p` (a block of `bin`) on any free list: a cache, a remote ring, an inbox, central? */
function onFreeList(a: Arena, p: number, bin: number): boolean {
  const u32 = a.u32;
  const inList = (head: number, limit: number): boolean => {
    for (let q = head, n = 0; q !== 0 && n < limit; q = u32[q >>> 2]!, n++) if (q === p) return true;
    return false;
  };
  const most = a.layout.arenaBytes >>> 4; // no list is longer than the arena has granules
  for (let s = 0; s < a.layout.maxThreads; s++) {
    const w = a.slotWord(s);
    if (inList(u32[tcWord(w, bin)]!, most)) return true;
    const ring = u32[w + S_REMOTE_COUNT]!;
    for (let i = 0; i < ring; i++) if (u32[w + S_REMOTE_RING + i] === p) return true;
    if (inList(Atomics.load(u32, inboxWord(a, s)), most)) return true;
  }
  for (let sh = 0; sh < CENTRAL_SHARDS; sh++) {
    for (let chain = u32[centralEntry(a, sh, bin)]!; chain !== 0; chain = u32[(chain >>> 2) + 1]!) {
      if (inList(chain, most)) return true;
    }
  }
  return false;
}

