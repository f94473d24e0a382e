/**
 * heap.reset(): free every block of the heap at once, as thi.ng's freeAll does.
 * Only when no other thread is attached: a live thread's cache and its blocks
 * are its own, and freeing them under it would hand them out twice. Dead
 * threads are adopted first; the caller's own cache is emptied. Every segment
 * ever used becomes a free segment, so any class or a large block can take its
 * pages; they stay resident until trim() or a purge releases them.
 */
import { Arena } from './arena.ts';
import {
  carvedWord, H_LARGE_BLOCKS, H_LARGE_PAGES, SLOT_FREE, S_CARVES, S_CUR_SEGMENT, S_REMOTE_COUNT, S_STATE, S_THREAD_ID,
  CENTRAL_SHARDS, tcWord,
} from './layout.ts';
import { NUM_BINS } from './size-classes.ts';
import { centralEntry } from './central.ts';
import { inboxWord } from './remote.ts';
import { resetSegments } from './segments.ts';
import { heapAccount } from './account.ts';
import { HeapError } from '../base/errors.ts';

/** Throw EBUSY, naming them, while threads other than `slot`'s are attached (reset, destroy). */
export function refuseIfOthersAttached(a: Arena, slot: number, op: string): void {
  const u32 = a.u32;
  const others: string[] = [];
  for (let s = 0; s < a.layout.maxThreads; s++) {
    if (s !== slot && Atomics.load(u32, a.slotWord(s) + S_STATE) !== SLOT_FREE) others.push(`slot ${s} (thread ${u32[a.slotWord(s) + S_THREAD_ID]})`);
  }
  if (others.length > 0) {
    throw new HeapError('EBUSY', `${op}: ${others.length} other thread(s) are attached: ${others.join(', ')}; detach them first (heap.detach() in each)`);
  }
}

/** Free every block; `slot` is the caller's. Returns the live blocks that were freed. Throws EBUSY while others are attached. */
export function resetHeap(a: Arena, slot: number): number {
  const u32 = a.u32;
  refuseIfOthersAttached(a, slot, 'reset');
  const freed = heapAccount(a).liveBlocks;
  const w = a.slotWord(slot);
  for (let b = 0; b < NUM_BINS; b++) {
    u32[tcWord(w, b)] = 0;
    u32[tcWord(w, b) + 1] = 0;
    u32[w + S_CARVES + b] = 0;
    Atomics.store(u32, carvedWord(b), 0);
    for (let sh = 0; sh < CENTRAL_SHARDS; sh++) Atomics.store(a.u64, centralEntry(a, sh, b) >>> 1, 0n);
  }
  u32[w + S_REMOTE_COUNT] = 0;
  u32[w + S_CUR_SEGMENT] = 0;
  for (let s = 0; s < a.layout.maxThreads; s++) Atomics.store(a.u64, inboxWord(a, s) >>> 1, 0n);
  resetSegments(a);
  Atomics.store(u32, H_LARGE_PAGES, 0);
  Atomics.store(u32, H_LARGE_BLOCKS, 0);
  return freed;
}
