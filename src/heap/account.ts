/**
 * The heap's own account of its bytes: live, cached (free blocks held in thread
 * caches, remote rings, inboxes and central) and large. stats() reports it; the
 * exhaustion message quotes it, so "the heap is full" comes with the numbers
 * that make it true. A snapshot: exact only while no other thread allocates.
 */
import { Arena } from './arena.ts';
import { carvedWord, H_LARGE_BLOCKS, H_LARGE_PAGES, PAGE_SHIFT, PAGE_SIZE, SLOT_FREE, S_REMOTE_COUNT, S_REMOTE_RING, S_STATE, TAG_BIN_MASK, tcWord } from './layout.ts';
import { NUM_BINS, binSize } from './size-classes.ts';
import { centralBlocks } from './central.ts';
import { inboxBytes, inboxWord } from './remote.ts';

export interface HeapAccount {
  /** Usable bytes of live blocks (class sizes; page runs for large blocks). */
  inUseBytes: number;
  /** Of which large runs. */
  largeBytes: number;
  /** Free blocks in thread caches, remote rings, inboxes and central pools. */
  cachedBytes: number;
  /** Slots held by a thread (live, dead or being adopted). */
  threads: number;
  /** Live blocks: small, medium and large. */
  liveBlocks: number;
  /** Free blocks held in caches, remote rings, inboxes and central. */
  cachedBlocks: number;
}

/** Bytes of free blocks in slot `slot`'s cache lists and remote ring (what only its thread can give back). */
export function slotCachedBytes(a: Arena, slot: number): number {
  const u32 = a.u32;
  const w = a.slotWord(slot);
  let bytes = 0;
  for (let b = 0; b < NUM_BINS; b++) bytes += u32[tcWord(w, b) + 1] * binSize(b);
  const ring = u32[w + S_REMOTE_COUNT];
  for (let i = 0; i < ring; i++) bytes += binSize(a.ptag[u32[w + S_REMOTE_RING + i] >>> PAGE_SHIFT] & TAG_BIN_MASK);
  return bytes;
}

export function heapAccount(a: Arena): HeapAccount {
  const u32 = a.u32;
  const free = new Float64Array(NUM_BINS);
  let threads = 0;
  let waiting = 0; // free bytes in inboxes (blocks of any bin)
  const waitingBlocks = new Float64Array(NUM_BINS);
  for (let s = 0; s < a.layout.maxThreads; s++) {
    const w = a.slotWord(s);
    if (Atomics.load(u32, w + S_STATE) !== SLOT_FREE) threads++;
    for (let b = 0; b < NUM_BINS; b++) free[b] += u32[tcWord(w, b) + 1];
    waiting += inboxBytes(a, s);
    // Blocks in the inbox, per bin (walked at most as far as its byte count allows: it may change meanwhile).
    let budget = inboxBytes(a, s) >>> 4;
    for (let p = Atomics.load(u32, inboxWord(a, s)); p !== 0 && budget-- > 0; p = u32[p >>> 2]) {
      const bin = a.ptag[p >>> PAGE_SHIFT] & TAG_BIN_MASK;
      if (bin >= NUM_BINS) break;
      waitingBlocks[bin]++;
    }
    const ring = u32[w + S_REMOTE_COUNT];
    for (let i = 0; i < ring; i++) free[a.ptag[u32[w + S_REMOTE_RING + i] >>> PAGE_SHIFT] & TAG_BIN_MASK]++;
  }
  let inUse = 0;
  let cached = 0;
  let liveBlocks = Atomics.load(u32, H_LARGE_BLOCKS);
  let cachedBlocks = 0;
  for (let b = 0; b < NUM_BINS; b++) {
    const f = free[b] + centralBlocks(a, b);
    inUse += (Atomics.load(u32, carvedWord(b)) - f) * binSize(b);
    cached += f * binSize(b);
    liveBlocks += Atomics.load(u32, carvedWord(b)) - f - waitingBlocks[b];
    cachedBlocks += f + waitingBlocks[b];
  }
  const largeBytes = Atomics.load(u32, H_LARGE_PAGES) * PAGE_SIZE;
  return {
    inUseBytes: inUse - waiting + largeBytes,
    largeBytes,
    cachedBytes: cached + waiting,
    threads,
    liveBlocks,
    cachedBlocks,
  };
}
