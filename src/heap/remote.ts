/**
 * Remote free: a block whose page belongs to another thread goes back to that
 * owner, in batches.
 *
 *   free (not mine) -> my remote ring (REMOTE_RING_SIZE pointers in my slot)
 *   ring full, or my next refill -> flush: one chain per owner,
 *   pushed onto the owner's inbox (one per owner, blocks of any bin)
 *   owner's refill -> take the whole inbox with one exchange and sort its
 *   blocks into the cache bins by their page tags
 *
 * The inbox is a multi-producer stack: producers push a chain with
 * compareExchange on its list word (top, free bytes: list-word.ts); the only
 * consumer takes everything with Atomics.exchange, so there is no pop and no
 * ABA. Top and bytes change together, so a producer stopped anywhere leaves them
 * consistent. One inbox per owner rather than per [owner][bin]: a flush of 256
 * frees spread over a hundred bins is then one compareExchange per owner instead
 * of one per bin (docs/ARCHITECTURE.md).
 * Blocks for an owner whose slot is not live go to central instead.
 */
import { Arena } from './arena.ts';
import {
  PAGE_SHIFT, REMOTE_RING_SIZE, SLOT_LIVE, S_REMOTE_COUNT, S_REMOTE_RING, S_STATE, TAG_BIN_MASK, TAG_OWNER_MASK,
  TAG_OWNER_SHIFT, MAX_THREADS_LIMIT, SLOT_BYTES,
} from './layout.ts';
import { NUM_BINS, binSize } from './size-classes.ts';
import { centralPush, shardOf } from './central.ts';
import { listCount, listTop, packList } from './list-word.ts';
import type { Slot } from './slot.ts';
import { assertRemoteBlocks } from './assert.ts';

/** u32 index of slot `slot`'s inbox list word (top, free bytes). */
export const inboxWord = (a: Arena, slot: number): number => a.inboxWord + slot * 2;

/** Queue block `p` of another thread's page for its owner (flushed in batches). */
export function remoteFree(t: Slot, p: number): void {
  const u32 = t.arena.u32;
  const c = u32[t.slotWord + S_REMOTE_COUNT];
  u32[t.slotWord + S_REMOTE_RING + c] = p;
  u32[t.slotWord + S_REMOTE_COUNT] = c + 1;
  if (c + 1 === REMOTE_RING_SIZE) flushRemoteRing(t.arena, t.slotWord);
}

// Per-owner grouping scratch (per thread: each thread has its own module instance).
const ring = new Uint32Array(REMOTE_RING_SIZE);
const groupHead = new Uint32Array(MAX_THREADS_LIMIT + 1);
const groupTail = new Uint32Array(MAX_THREADS_LIMIT + 1);
const groupBytes = new Float64Array(MAX_THREADS_LIMIT + 1);
const owners = new Uint16Array(MAX_THREADS_LIMIT + 1);

/**
 * Send every block in the remote ring of the slot at `slotWord` to its owner's
 * inbox (or to central). The ring is copied and emptied before anything is
 * published: a thread stopped mid-flush (Worker.terminate()) then loses the
 * blocks still in flight, and never leaves a published block listed in its ring
 * for an adopter to publish a second time.
 */
export function flushRemoteRing(a: Arena, slotWord: number): void {
  const u32 = a.u32;
  const n = u32[slotWord + S_REMOTE_COUNT];
  if (n === 0) return;
  for (let i = 0; i < n; i++) ring[i] = u32[slotWord + S_REMOTE_RING + i];
  u32[slotWord + S_REMOTE_COUNT] = 0;
  if (HZ3_ASSERT) assertRemoteBlocks(a, ring, n, (slotWord - a.slotWord(0)) / (SLOT_BYTES >>> 2) + 1, 'flushRemoteRing');
  let groups = 0;
  for (let i = 0; i < n; i++) {
    const p = ring[i];
    const tag = a.ptag[p >>> PAGE_SHIFT];
    const owner = (tag & TAG_OWNER_MASK) >>> TAG_OWNER_SHIFT;
    if (groupBytes[owner] === 0) {
      owners[groups++] = owner;
      groupHead[owner] = p;
    } else u32[groupTail[owner] >>> 2] = p;
    groupTail[owner] = p;
    groupBytes[owner] += binSize(tag & TAG_BIN_MASK);
  }
  for (let g = 0; g < groups; g++) {
    const owner = owners[g];
    u32[groupTail[owner] >>> 2] = 0;
    pushToOwner(a, owner - 1, groupHead[owner], groupTail[owner], groupBytes[owner]);
    groupBytes[owner] = 0;
  }
}

/** Push a chain (blocks of any bin, `bytes` of them) onto slot `slot`'s inbox; to central when that slot is not live. */
function pushToOwner(a: Arena, slot: number, head: number, tail: number, bytes: number): void {
  const u32 = a.u32;
  if (Atomics.load(u32, a.slotWord(slot) + S_STATE) !== SLOT_LIVE) {
    pushMixedToCentral(a, shardOf(slot), head);
    return;
  }
  const k = inboxWord(a, slot) >>> 1;
  for (;;) {
    const v = Atomics.load(a.u64, k);
    u32[tail >>> 2] = listTop(v);
    if (Atomics.compareExchange(a.u64, k, v, packList(head, listCount(v) + bytes)) === v) break;
  }
}

/** Take slot `slot`'s whole inbox: a chain of blocks of any bin (0-terminated), or 0. */
export function takeInbox(a: Arena, slot: number): number {
  const w = inboxWord(a, slot);
  if (Atomics.load(a.u32, w) === 0) return 0; // cheap empty check: the low half is the top
  return listTop(Atomics.exchange(a.u64, w >>> 1, 0n));
}

// Per-bin grouping scratch for chains of mixed bins going to central.
const binHead = new Uint32Array(NUM_BINS);
const binCount = new Uint32Array(NUM_BINS);

/** Sort a chain of blocks of any bin into per-bin chains and push them to central `shard`; returns blocks moved. */
export function pushMixedToCentral(a: Arena, shard: number, chain: number): number {
  const u32 = a.u32;
  let moved = 0;
  for (let p = chain; p !== 0; ) {
    const next = u32[p >>> 2];
    const bin = a.ptag[p >>> PAGE_SHIFT] & TAG_BIN_MASK;
    u32[p >>> 2] = binHead[bin];
    binHead[bin] = p;
    binCount[bin]++;
    moved++;
    p = next;
  }
  for (let b = 0; b < NUM_BINS; b++) {
    if (binCount[b] === 0) continue;
    centralPush(a, shard, b, binHead[b], binCount[b]);
    binHead[b] = 0;
    binCount[b] = 0;
  }
  return moved;
}

/** Free bytes waiting in `slot`'s inbox (snapshot). */
export const inboxBytes = (a: Arena, slot: number): number => Atomics.load(a.u32, inboxWord(a, slot) + 1);
