/**
 * Central pools: per [shard][bin], a locked stack of chains of free blocks.
 *
 * A chain is a list of blocks linked through word 0; its head block also holds
 * the next chain (word 1) and the chain's length (word 2). Thread caches push a
 * chain when they drain and pop one when they refill, so each lock hold is O(1).
 *
 *   entry (4 words): lock | top chain | blocks in this pool | -
 */
import { Arena } from './arena.ts';
import { CENTRAL_ENTRY_WORDS, CENTRAL_SHARDS } from './layout.ts';
import { NUM_BINS } from './size-classes.ts';
import { lock, unlock } from './locks.ts';

const entryWord = (a: Arena, shard: number, bin: number): number =>
  a.centralWord + (shard * NUM_BINS + bin) * CENTRAL_ENTRY_WORDS;

export const shardOf = (slot: number): number => slot & (CENTRAL_SHARDS - 1);

/** Push a chain of `n` blocks (head linked through word 0, 0-terminated). */
export function centralPush(a: Arena, shard: number, bin: number, head: number, n: number): void {
  const u32 = a.u32;
  const e = entryWord(a, shard, bin);
  const h = head >>> 2;
  lock(a.i32, e, a.me);
  u32[h + 1] = u32[e + 1];
  u32[h + 2] = n;
  u32[e + 1] = head;
  u32[e + 2] += n;
  unlock(a.i32, e);
}

/** Pop one chain from `shard`, or 0. Its length is `u32[(head >>> 2) + 2]`. */
export function centralPop(a: Arena, shard: number, bin: number): number {
  const u32 = a.u32;
  const e = entryWord(a, shard, bin);
  if (Atomics.load(u32, e + 1) === 0) return 0; // cheap empty check without the lock
  lock(a.i32, e, a.me);
  const head = u32[e + 1];
  if (head !== 0) {
    u32[e + 1] = u32[(head >>> 2) + 1];
    u32[e + 2] -= u32[(head >>> 2) + 2];
  }
  unlock(a.i32, e);
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
  for (let s = 0; s < CENTRAL_SHARDS; s++) n += Atomics.load(a.u32, entryWord(a, s, bin) + 2);
  return n;
}

/** Take every chain of every shard for `bin` (trim / release boxes); calls `visit(head, n)` per chain. */
export function centralTakeAll(a: Arena, bin: number, visit: (head: number, n: number) => void): void {
  const u32 = a.u32;
  for (let s = 0; s < CENTRAL_SHARDS; s++) {
    const e = entryWord(a, s, bin);
    lock(a.i32, e, a.me);
    let head = u32[e + 1];
    u32[e + 1] = 0;
    u32[e + 2] = 0;
    unlock(a.i32, e);
    while (head !== 0) {
      const next = u32[(head >>> 2) + 1];
      visit(head, u32[(head >>> 2) + 2]);
      head = next;
    }
  }
}
