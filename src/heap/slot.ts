/**
 * One attached thread as the heap's parts (and the boxes above) see it: the
 * arena and the slot's numbers. ThreadHeap (thread-cache.ts) implements it;
 * a part that takes a Slot needs nothing else of the thread, so it imports
 * this file, not the hot path's.
 */
import type { Arena } from './arena.ts';

export interface Slot {
  readonly arena: Arena;
  /** The slot's index, 0-based. */
  readonly slot: number;
  /** u32 index of the slot's first word. */
  readonly slotWord: number;
  /** slot + 1: the thread's id in page tags, segment entries and lock words. */
  readonly owner: number;
}

/** The two fields an observer needs to find a slot's counters. */
export type SlotRef = Pick<Slot, 'arena' | 'slotWord'>;

/** A Slot with the slow paths that large.ts calls back: take a page run, reclaim, report exhaustion. */
export interface AllocatingSlot extends Slot {
  /** A run of `n` pages aligned to `align` pages, scanning central first when that could spare a fresh segment; -1 if none. */
  takeRun(n: number, align: number): number;
  /** Gather what every thread and central hold (reclaim.ts), after adopting dead threads. */
  reclaim(): void;
  /** Out of memory: throw EEXHAUSTED with the numbers, or return 0 (onExhausted 'null'). */
  exhausted(size: number, why: string): number;
}
