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

/** Free blocks per bin, by where they wait; for heapAccount and the RSS breakdown. */
export interface FreeBlockCensus {
  /** In thread caches. */
  readonly cache: Float64Array;
  /** In remote rings, on their way to their owner. */
  readonly ring: Float64Array;
  /** In inboxes, walked at most as far as each inbox's byte count allows (it may change under a running heap). */
  readonly inbox: Float64Array;
  /** In central pools. */
  readonly central: Float64Array;
  /** Free bytes in inboxes, from their list words (exact). */
  readonly inboxBytes: number;
  /** Slots held by a thread (live, dead or being adopted). */
  readonly threads: number;
}

export function freeBlockCensus(a: Arena): FreeBlockCensus {
  const u32 = a.u32;
  const cache = new Float64Array(NUM_BINS);
  const ring = new Float64Array(NUM_BINS);
  const inbox = new Float64Array(NUM_BINS);
  const central = new Float64Array(NUM_BINS);
  let waiting = 0;
  let threads = 0;
  for (let s = 0; s < a.layout.maxThreads; s++) {
    const w = a.slotWord(s);
    if (Atomics.load(u32, w + S_STATE) !== SLOT_FREE) threads++;
    for (let b = 0; b < NUM_BINS; b++) cache[b] += u32[tcWord(w, b) + 1];
    const n = u32[w + S_REMOTE_COUNT];
    for (let i = 0; i < n; i++) ring[a.ptag[u32[w + S_REMOTE_RING + i] >>> PAGE_SHIFT] & TAG_BIN_MASK]++;
    const bytes = inboxBytes(a, s);
    waiting += bytes;
    let budget = bytes >>> 4;
    for (let p = Atomics.load(u32, inboxWord(a, s)); p !== 0 && budget-- > 0; p = u32[p >>> 2]) {
      const bin = a.ptag[p >>> PAGE_SHIFT] & TAG_BIN_MASK;
      if (bin >= NUM_BINS) break;
      inbox[bin]++;
    }
  }
  for (let b = 0; b < NUM_BINS; b++) central[b] = centralBlocks(a, b);
  return { cache, ring, inbox, central, inboxBytes: waiting, threads };
}

export function heapAccount(a: Arena): HeapAccount {
  const u32 = a.u32;
  const c = freeBlockCensus(a);
  let inUse = 0;
  let cached = 0;
  let liveBlocks = Atomics.load(u32, H_LARGE_BLOCKS);
  let cachedBlocks = 0;
  for (let b = 0; b < NUM_BINS; b++) {
    const f = c.cache[b] + c.ring[b] + c.central[b];
    inUse += (Atomics.load(u32, carvedWord(b)) - f) * binSize(b);
    cached += f * binSize(b);
    liveBlocks += Atomics.load(u32, carvedWord(b)) - f - c.inbox[b];
    cachedBlocks += f + c.inbox[b];
  }
  const largeBytes = Atomics.load(u32, H_LARGE_PAGES) * PAGE_SIZE;
  return {
    // Inbox bytes from their list words, exact even while an inbox changes under the walk.
    inUseBytes: inUse - c.inboxBytes + largeBytes,
    largeBytes,
    cachedBytes: cached + c.inboxBytes,
    threads: c.threads,
    liveBlocks,
    cachedBlocks,
  };
}
