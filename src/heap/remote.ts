/**
 * Remote free: a block whose page belongs to another thread goes back to that
 * owner, in batches.
 *
 *   free (not mine) -> my remote ring (REMOTE_RING_SIZE pointers in my slot)
 *   ring full, or my next refill -> flush: group by [owner][bin] into chains,
 *   push each chain onto the owner's inbox [owner][bin]
 *   owner's refill of bin -> take the whole inbox stack with one exchange
 *
 * The inbox is a multi-producer stack: producers push a chain with
 * compareExchange on its list word (top, count: list-word.ts); the only
 * consumer takes everything with Atomics.exchange, so there is no pop and no
 * ABA. Top and count change together, so a producer stopped anywhere leaves them
 * consistent.
 * Blocks for an owner whose slot is not live go to central instead.
 */
import { Arena } from './arena.ts';
import { PAGE_SHIFT, REMOTE_RING_SIZE, SLOT_LIVE, S_REMOTE_COUNT, S_REMOTE_RING, S_STATE, TAG_BIN_MASK, TAG_OWNER_MASK, TAG_OWNER_SHIFT } from './layout.ts';
import { NUM_BINS } from './size-classes.ts';
import { centralPush, shardOf } from './central.ts';
import { listCount, listTop, packList } from './list-word.ts';
import type { ThreadHeap } from './thread-cache.ts';

export const inboxWord = (a: Arena, slot: number, bin: number): number => a.inboxWord + (slot * NUM_BINS + bin) * 2;

/** Queue block `p` of another thread's page for its owner (flushed in batches). */
export function remoteFree(t: ThreadHeap, p: number): void {
  const u32 = t.arena.u32;
  const c = u32[t.slotWord + S_REMOTE_COUNT];
  u32[t.slotWord + S_REMOTE_RING + c] = p;
  u32[t.slotWord + S_REMOTE_COUNT] = c + 1;
  if (c + 1 === REMOTE_RING_SIZE) flushRemoteRing(t.arena, t.slotWord);
}

const sortScratch = new Float64Array(REMOTE_RING_SIZE);

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
  // Sort by (owner, bin) so each group becomes one chain: key * 2^32 + pointer.
  const keys = sortScratch.subarray(0, n);
  for (let i = 0; i < n; i++) {
    const p = u32[slotWord + S_REMOTE_RING + i];
    const tag = a.ptag[p >>> PAGE_SHIFT];
    keys[i] = (tag & (TAG_OWNER_MASK | TAG_BIN_MASK)) * 4294967296 + p;
  }
  u32[slotWord + S_REMOTE_COUNT] = 0;
  keys.sort();
  let i = 0;
  while (i < n) {
    const key = Math.floor(keys[i] / 4294967296);
    const head = keys[i] - key * 4294967296;
    let tail = head;
    let len = 1;
    let j = i + 1;
    for (; j < n; j++) {
      const k = Math.floor(keys[j] / 4294967296);
      if (k !== key) break;
      const p = keys[j] - k * 4294967296;
      u32[tail >>> 2] = p;
      tail = p;
      len++;
    }
    u32[tail >>> 2] = 0;
    pushToOwner(a, (key >>> TAG_OWNER_SHIFT) - 1, key & TAG_BIN_MASK, head, tail, len);
    i = j;
  }
}

/** Push a chain onto slot `slot`'s inbox for `bin`; to central when that slot is not live. */
export function pushToOwner(a: Arena, slot: number, bin: number, head: number, tail: number, n: number): void {
  const u32 = a.u32;
  if (Atomics.load(u32, a.slotWord(slot) + S_STATE) !== SLOT_LIVE) {
    centralPush(a, shardOf(slot), bin, head, n);
    return;
  }
  const k = inboxWord(a, slot, bin) >>> 1;
  for (;;) {
    const v = Atomics.load(a.u64, k);
    u32[tail >>> 2] = listTop(v);
    if (Atomics.compareExchange(a.u64, k, v, packList(head, listCount(v) + n)) === v) break;
  }
}

/** Take my whole inbox for `bin`: a chain whose length is stored in word 2 of its head, or 0. */
export function takeInbox(t: ThreadHeap, bin: number): number {
  return takeInboxOf(t.arena, t.slot, bin);
}

export function takeInboxOf(a: Arena, slot: number, bin: number): number {
  const u32 = a.u32;
  const w = inboxWord(a, slot, bin);
  if (Atomics.load(u32, w) === 0) return 0; // cheap empty check: the low half is the top
  const v = Atomics.exchange(a.u64, w >>> 1, 0n);
  const head = listTop(v);
  if (head !== 0) u32[(head >>> 2) + 2] = listCount(v);
  return head;
}

/** Blocks waiting in `slot`'s inbox for `bin` (snapshot). */
export const inboxBlocks = (a: Arena, slot: number, bin: number): number => Atomics.load(a.u32, inboxWord(a, slot, bin) + 1);
