/**
 * Central pools: per [shard][bin], a locked stack of chains of free blocks.
 *
 * A chain is a list of blocks linked through word 0; its head block also holds
 * the next chain (word 1) and the chain's length (word 2). Thread caches push a
 * chain when they drain and pop one when they refill, so each lock hold is O(1).
 *
 *   entry (4 words): top chain | blocks   (one 64-bit list word)  | lock | -
 *
 * The list word changes by one atomic store, so a holder stopped inside the
 * critical section leaves it consistent (see locks.ts for the takeover).
 */
import { Arena } from './arena.ts';
import { CENTRAL_ENTRY_WORDS, CENTRAL_LOCK, CENTRAL_SHARDS, H_CENTRAL_PUSHES } from './layout.ts';
import { NUM_BINS } from './size-classes.ts';
import { lock, unlock } from './locks.ts';
import { listCount, listTop, packList } from './list-word.ts';
import { assertFreeList } from './assert.ts';

export const centralEntry = (a: Arena, shard: number, bin: number): number =>
  a.centralWord + (shard * NUM_BINS + bin) * CENTRAL_ENTRY_WORDS;

export const shardOf = (slot: number): number => slot & (CENTRAL_SHARDS - 1);

/**
 * Push a chain of `n` blocks (head linked through word 0, 0-terminated).
 * `fresh` false: blocks a scan of central just looked at, which do not make another scan due.
 */
export function centralPush(a: Arena, shard: number, bin: number, head: number, n: number, fresh = true): void {
  const u32 = a.u32;
  const e = centralEntry(a, shard, bin);
  const h = head >>> 2;
  if (HZ3_ASSERT) assertFreeList(a, head, n, bin, 'centralPush');
  lock(a.i32, e + CENTRAL_LOCK, a.me);
  const v = Atomics.load(a.u64, e >>> 1);
  u32[h + 1] = listTop(v);
  u32[h + 2] = n;
  Atomics.store(a.u64, e >>> 1, packList(head, listCount(v) + n));
  unlock(a.i32, e + CENTRAL_LOCK);
  if (fresh) Atomics.add(u32, H_CENTRAL_PUSHES, 1); // central holds new blocks: a scan for free pages is due (reclaim.ts)
}

/** Pop one chain from `shard`, or 0. Its length is `u32[(head >>> 2) + 2]`. */
export function centralPop(a: Arena, shard: number, bin: number): number {
  const u32 = a.u32;
  const e = centralEntry(a, shard, bin);
  if (Atomics.load(u32, e) === 0) return 0; // cheap empty check without the lock
  lock(a.i32, e + CENTRAL_LOCK, a.me);
  const v = Atomics.load(a.u64, e >>> 1);
  const head = listTop(v);
  if (head !== 0) Atomics.store(a.u64, e >>> 1, packList(u32[(head >>> 2) + 1], listCount(v) - u32[(head >>> 2) + 2]));
  unlock(a.i32, e + CENTRAL_LOCK);
  if (HZ3_ASSERT) if (head !== 0) assertFreeList(a, head, u32[(head >>> 2) + 2], bin, 'centralPop');
  return head;
}

/** Pop a chain from `shard` first, then from the other shards. */
export function centralPopAny(a: Arena, shard: number, bin: number): number {
  for (let i = 0; i < CENTRAL_SHARDS; i++) {
    const head = centralPop(a, (shard + i) & (CENTRAL_SHARDS - 1), bin);
    if (head !== 0) return head;
  }
  return 0;
}

/** Blocks held in central for `bin` over all shards (a snapshot, for stats). */
export function centralBlocks(a: Arena, bin: number): number {
  let n = 0;
  for (let s = 0; s < CENTRAL_SHARDS; s++) n += Atomics.load(a.u32, centralEntry(a, s, bin) + 1);
  return n;
}

/** Take every chain of every shard for `bin` (trim / release boxes); calls `visit(head, n)` per chain. */
export function centralTakeAll(a: Arena, bin: number, visit: (head: number, n: number) => void): void {
  const u32 = a.u32;
  for (let s = 0; s < CENTRAL_SHARDS; s++) {
    const e = centralEntry(a, s, bin);
    lock(a.i32, e + CENTRAL_LOCK, a.me);
    let head = listTop(Atomics.exchange(a.u64, e >>> 1, 0n));
    unlock(a.i32, e + CENTRAL_LOCK);
    while (head !== 0) {
      const next = u32[(head >>> 2) + 1];
      visit(head, u32[(head >>> 2) + 2]);
      head = next;
    }
  }
}
