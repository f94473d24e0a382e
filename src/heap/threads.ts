/**
 * Thread slots: attach, detach, and adoption of threads that died attached.
 *
 *   FREE --claim--> LIVE --detach--> FREE
 *                    |
 *                    +--watch(worker) saw it exit / lease expired--> DEAD
 *                                                                    |
 *                   FREE <--adopt (next refill, reclaimDeadThreads)--+
 *
 * Returning a thread's state (detach or adoption) moves its cached blocks and
 * inbox to central and sends its remote ring to the owners, so nothing leaks.
 * A dead thread's lists are walked to their end, not trusted by count: a thread
 * stopped between two stores of a push or pop leaves a valid list (the block in
 * flight is lost, never duplicated).
 *
 * Evidence of death: a Worker's 'exit' event seen by `heap.watch(worker)` (exact),
 * a worker's own process 'exit' (uncaught error: it detaches itself), or a lease
 * older than a timeout the caller names (`reclaimDeadThreads({ leaseTimeoutMs })`):
 * the holder refreshes its lease at refills and from a timer.
 */
import { Arena } from './arena.ts';
import {
  H_DEAD_SLOTS, H_RECLAIM_SEQ, S_RECLAIM_SEEN, H_SLOT_LOCK, SLOT_ADOPTING, SLOT_DEAD, SLOT_FREE, SLOT_LIVE, S_CUR_SEGMENT,
  S_CARVES, S_GENERATION, S_LEASE_F64, S_REMOTE_COUNT, S_STATE, S_THREAD_ID, tcWord,
} from './layout.ts';
import { NUM_BINS } from './size-classes.ts';
import { centralPush, shardOf } from './central.ts';
import { flushRemoteRing, pushMixedToCentral, takeInbox } from './remote.ts';
import { lock, unlock } from './locks.ts';
import { HeapError } from '../base/errors.ts';
import { hooks } from './hooks.ts';
import type { Slot } from './slot.ts';

const nowMs = (a: Arena): number => a.now();

export function refreshLease(a: Arena, slotWord: number): void {
  a.f64[(slotWord + S_LEASE_F64) >>> 1] = nowMs(a);
}

/** Milliseconds since the slot's holder last refreshed its lease. */
export const leaseAge = (a: Arena, slot: number): number => nowMs(a) - a.f64[(a.slotWord(slot) + S_LEASE_F64) >>> 1];

/** Claim a free slot for the calling thread (thread id `threadId`); returns its index. */
export function claimSlot(a: Arena, threadId: number): number {
  const u32 = a.u32;
  lock(a.i32, H_SLOT_LOCK, a.me);
  try {
    for (let s = 0; s < a.layout.maxThreads; s++) {
      const w = a.slotWord(s);
      if (u32[w + S_STATE] !== SLOT_FREE) continue;
      u32[w + S_GENERATION]++;
      u32[w + S_THREAD_ID] = threadId;
      u32[w + S_CUR_SEGMENT] = 0;
      u32[w + S_REMOTE_COUNT] = 0;
      u32[w + S_RECLAIM_SEEN] = Atomics.load(u32, H_RECLAIM_SEQ); // a new cache owes nothing to older requests
      for (let b = 0; b < NUM_BINS; b++) {
        u32[w + S_CARVES + b] = 0;
        u32[tcWord(w, b)] = 0;
        u32[tcWord(w, b) + 1] = 0;
      }
      refreshLease(a, w);
      Atomics.store(u32, w + S_STATE, SLOT_LIVE);
      a.me = s + 1;
      // Blocks that reached this slot's inbox while it was free go to central.
      sweepInbox(a, s);
      return s;
    }
  } finally {
    unlock(a.i32, H_SLOT_LOCK);
  }
  throw new HeapError('ETHREADS', `all ${a.layout.maxThreads} thread slots are taken; raise maxThreads in createHeap, or detach threads that are done`);
}

/** Move slot `slot`'s inbox (free blocks other threads sent it) to central; returns blocks moved. Safe from any thread. */
export function sweepInbox(a: Arena, slot: number): number {
  const chain = takeInbox(a, slot);
  return chain === 0 ? 0 : pushMixedToCentral(a, shardOf(slot), chain);
}

/** Move everything a slot holds (cache lists, remote ring, inbox) out; returns blocks moved to central. */
export function returnSlotState(a: Arena, slot: number): number {
  const u32 = a.u32;
  const w = a.slotWord(slot);
  flushRemoteRing(a, w);
  let moved = 0;
  for (let b = 0; b < NUM_BINS; b++) {
    const h = tcWord(w, b);
    const head = u32[h];
    if (head !== 0) {
      let n = 0;
      for (let p = head; p !== 0; p = u32[p >>> 2]) n++;
      centralPush(a, shardOf(slot), b, head, n);
      moved += n;
    }
    u32[h] = 0;
    u32[h + 1] = 0;
  }
  moved += sweepInbox(a, slot);
  u32[w + S_CUR_SEGMENT] = 0;
  return moved;
}

/** Detach the calling thread's slot. */
export function detachSlot(t: Slot): void {
  const a = t.arena;
  returnSlotState(a, t.slot);
  Atomics.store(a.u32, t.slotWord + S_STATE, SLOT_FREE);
  if (HZ3_S61_THREAD_EXIT_PURGE) hooks.onThreadExit(a, t.slotWord);
  // A chain pushed to the inbox between the sweep and the store is swept by the next claim.
}

/** Mark slot `slot` dead if it is live (and, when given, still held by `threadId`). */
export function markDead(a: Arena, slot: number, threadId?: number): boolean {
  const u32 = a.u32;
  const w = a.slotWord(slot);
  if (threadId !== undefined && u32[w + S_THREAD_ID] !== threadId) return false;
  if (Atomics.compareExchange(u32, w + S_STATE, SLOT_LIVE, SLOT_DEAD) !== SLOT_LIVE) return false;
  Atomics.add(u32, H_DEAD_SLOTS, 1);
  return true;
}

/** Mark dead every live slot held by worker thread `threadId`. */
export function markDeadByThreadId(a: Arena, threadId: number): number {
  let n = 0;
  for (let s = 0; s < a.layout.maxThreads; s++) if (markDead(a, s, threadId)) n++;
  return n;
}

/** Mark dead every live slot (but `self`) whose lease is older than `timeoutMs`. */
export function expireLeases(a: Arena, self: number, timeoutMs: number): number {
  let n = 0;
  for (let s = 0; s < a.layout.maxThreads; s++) {
    if (s === self || Atomics.load(a.u32, a.slotWord(s) + S_STATE) !== SLOT_LIVE) continue;
    if (leaseAge(a, s) > timeoutMs && markDead(a, s)) n++;
  }
  return n;
}

/** Adopt every dead slot: return its state and free it. Returns the slots adopted. */
export function adoptDeadSlots(t: Slot): number {
  const a = t.arena;
  const u32 = a.u32;
  let adopted = 0;
  for (let s = 0; s < a.layout.maxThreads; s++) {
    const w = a.slotWord(s);
    if (Atomics.compareExchange(u32, w + S_STATE, SLOT_DEAD, SLOT_ADOPTING) !== SLOT_DEAD) continue;
    returnSlotState(a, s);
    Atomics.sub(u32, H_DEAD_SLOTS, 1);
    Atomics.store(u32, w + S_STATE, SLOT_FREE);
    adopted++;
  }
  if (HZ3_S61_THREAD_EXIT_PURGE) if (adopted > 0) hooks.onThreadExit(a, t.slotWord);
  return adopted;
}
