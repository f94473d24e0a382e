/**
 * One-shot statistics: every box declares its counters once, here. The counter
 * indexes, the report type and the printed lines all derive from this list.
 *
 * Counters are per-thread plain numbers (f64) in the thread's slot, bumped only
 * in bundles whose flag is on (`if (HZ3_FLAG) bump(...)` is dead code otherwise),
 * and summed over all slots when printed. A box's spec (its line and key names)
 * is itself behind its flag, so a lane without the box carries none of it.
 */
import { S_COUNTERS, S_COUNTERS_MAX } from '../heap/layout.ts';
import { NUM_BINS, NUM_MEDIUM_BINS } from '../heap/size-classes.ts';

/**
 * RSS breakdown: per bin the bytes requested and the blocks allocated (2 per bin),
 * live large requested bytes, then the epoch samples: their count and the sum of
 * each of the 10 parts (for the mean line).
 */
const RSS_BREAKDOWN_COUNTERS = 2 * NUM_BINS + 1 + 1 + 10;

export interface BoxSpec {
  /** The line's tag: `[HZ3_S49_PACK] hit=... miss=...`. */
  readonly line: string;
  /** The flag that turns the box (and its counters) on. */
  readonly flag: string;
  /** Counter names, in print order. */
  readonly keys: readonly string[];
}

/** Every box with counters, and how many counters each has (fixes the slot layout). */
export const COUNTER_SLOTS = { s49Pack: 3, s56Waste: 2, s56WasteByClass: 2 * NUM_MEDIUM_BINS, s55_3: 5, s55_3b: 7, s61: 5, decay: 6, rssBreakdown: RSS_BREAKDOWN_COUNTERS } as const;
export type BoxName = keyof typeof COUNTER_SLOTS;

/** The boxes this bundle carries (their flag is on), with their counters' names. */
export const BOXES: Readonly<Partial<Record<BoxName, BoxSpec>>> = {
  ...(HZ3_S49_PACK_OBSERVE
    ? { s49Pack: { line: 'HZ3_S49_PACK', flag: 'HZ3_S49_PACK_OBSERVE', keys: ['hit', 'miss', 'new_segment'] } }
    : {}),
  ...(HZ3_S56_MEDIUM_WASTE_OBSERVE
    ? {
        s56Waste: { line: 'HZ3_MEDIUM_WASTE_OBS', flag: 'HZ3_S56_MEDIUM_WASTE_OBSERVE', keys: ['req', 'alloc'] },
        s56WasteByClass: {
          line: 'HZ3_MEDIUM_WASTE_SC',
          flag: 'HZ3_S56_MEDIUM_WASTE_OBSERVE',
          keys: Array.from({ length: 2 * NUM_MEDIUM_BINS }, (_, i) => `${i & 1 ? 'alloc' : 'req'}${i >>> 1}`),
        },
      }
    : {}),
  ...(HZ3_S55_3_MEDIUM_SUBRELEASE
    ? {
        s55_3: {
          line: 'HZ3_S55_3_MEDIUM_SUBRELEASE',
          flag: 'HZ3_S55_3_MEDIUM_SUBRELEASE',
          keys: ['calls', 'demote_pages', 'madvise_calls', 'madvise_pages', 'madvise_bytes'],
        },
      }
    : {}),
  ...(HZ3_S55_3B_DELAYED_SUBRELEASE
    ? {
        s55_3b: {
          line: 'HZ3_S55_3B_DELAY',
          flag: 'HZ3_S55_3B_DELAYED_SUBRELEASE',
          keys: ['schedule_calls', 'scheduled_pages', 'dropped', 'drained_calls', 'madvise_calls', 'madvise_bytes', 'reused_skips'],
        },
      }
    : {}),
  ...(HZ3_RSS_BREAKDOWN_OBSERVE
    ? {
        rssBreakdown: {
          line: 'HZ3_RSS_BREAKDOWN',
          flag: 'HZ3_RSS_BREAKDOWN_OBSERVE',
          keys: [
            ...Array.from({ length: 2 * NUM_BINS }, (_, i) => `${i & 1 ? 'blocks' : 'req'}${i >>> 1}`),
            'large_req',
            'samples',
            ...['live', 'waste_small', 'waste_medium', 'waste_large', 'tcache', 'central', 'remote', 'seg_free', 'meta', 'resident'].map((k) => `sum_${k}`),
          ],
        },
      }
    : {}),
  ...(HZ3_DECAY_PURGE
    ? {
        decay: {
          line: 'HZ3_DECAY_PURGE',
          flag: 'HZ3_DECAY_PURGE',
          keys: ['purges', 'returned_pages', 'madvise_calls', 'madvise_pages', 'madvise_bytes', 'capped'],
        },
      }
    : {}),
  ...(HZ3_S61_THREAD_EXIT_PURGE
    ? {
        s61: {
          line: 'HZ3_S61_THREAD_EXIT_PURGE',
          flag: 'HZ3_S61_THREAD_EXIT_PURGE',
          keys: ['purges', 'returned_blocks', 'freed_segments', 'madvise_calls', 'madvise_bytes'],
        },
      }
    : {}),
};

/** Index of each box's first counter within the slot's counter area. */
export const BOX_BASE: Readonly<Record<BoxName, number>> = (() => {
  const out = {} as Record<BoxName, number>;
  let i = 0;
  for (const name of Object.keys(COUNTER_SLOTS) as BoxName[]) {
    out[name] = i;
    i += COUNTER_SLOTS[name];
  }
  if (i * 2 > S_COUNTERS_MAX) throw new Error('observe counters overflow the slot counter area');
  return out;
})();

/** f64 index (over the whole arena) of the first counter of `slotWord`'s slot. */
export const counterBase = (slotWord: number): number => (slotWord + S_COUNTERS) >>> 1;

/** Add `v` to counter `index` of the slot at `slotWord` (a plain per-thread f64). */
export function bump(a: { f64: Float64Array }, slotWord: number, index: number, v = 1): void {
  a.f64[counterBase(slotWord) + index] += v;
}

/** Named counter indexes used by the boxes: `C.S49_HIT` etc. */
export const C = {
  S49_HIT: BOX_BASE.s49Pack + 0,
  S49_MISS: BOX_BASE.s49Pack + 1,
  S49_NEW_SEGMENT: BOX_BASE.s49Pack + 2,
  S56_REQ: BOX_BASE.s56Waste + 0,
  S56_ALLOC: BOX_BASE.s56Waste + 1,
  S56_SC: BOX_BASE.s56WasteByClass, // + 2*sc (req), + 2*sc + 1 (alloc)
  S55_3: BOX_BASE.s55_3,
  S55_3B: BOX_BASE.s55_3b,
  S61: BOX_BASE.s61,
  DECAY: BOX_BASE.decay,
  RSS_REQ: BOX_BASE.rssBreakdown, // + 2*bin (bytes requested), + 2*bin + 1 (blocks)
  RSS_LARGE_REQ: BOX_BASE.rssBreakdown + 2 * NUM_BINS,
  RSS_SAMPLES: BOX_BASE.rssBreakdown + 2 * NUM_BINS + 1, // then the sum of each part, in BREAKDOWN_KEYS order
} as const;
