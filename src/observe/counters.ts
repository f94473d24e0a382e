/**
 * One-shot statistics: every box declares its counters once, here. The counter
 * indexes, the report type and the printed lines all derive from this list.
 *
 * Counters are per-thread plain numbers (f64) in the thread's slot, bumped only
 * in bundles whose flag is on (`if (HZ3_FLAG) bump(...)` is dead code otherwise),
 * and summed over all slots when printed.
 */
import { S_COUNTERS, S_COUNTERS_MAX } from '../heap/layout.ts';

export interface BoxSpec {
  /** The line's tag, e.g. `HZ3_S49_PACK` prints `[HZ3_S49_PACK] ...`. */
  readonly line: string;
  /** The flag that turns the box (and its counters) on. */
  readonly flag: string;
  /** Counter names, in print order. */
  readonly keys: readonly string[];
}

export const BOXES = {
  s49Pack: { line: 'HZ3_S49_PACK', flag: 'HZ3_S49_PACK_OBSERVE', keys: ['hit', 'miss', 'new_segment'] },
  s56Waste: { line: 'HZ3_MEDIUM_WASTE_OBS', flag: 'HZ3_S56_MEDIUM_WASTE_OBSERVE', keys: ['req', 'alloc'] },
  s56WasteByClass: {
    line: 'HZ3_MEDIUM_WASTE_SC',
    flag: 'HZ3_S56_MEDIUM_WASTE_OBSERVE',
    keys: ['req0', 'alloc0', 'req1', 'alloc1', 'req2', 'alloc2', 'req3', 'alloc3',
           'req4', 'alloc4', 'req5', 'alloc5', 'req6', 'alloc6', 'req7', 'alloc7'],
  },
  s55_3: {
    line: 'HZ3_S55_3_MEDIUM_SUBRELEASE',
    flag: 'HZ3_S55_3_MEDIUM_SUBRELEASE',
    keys: ['calls', 'demote_pages', 'madvise_calls', 'madvise_pages', 'madvise_bytes'],
  },
  s55_3b: {
    line: 'HZ3_S55_3B_DELAY',
    flag: 'HZ3_S55_3B_DELAYED_SUBRELEASE',
    keys: ['schedule_calls', 'scheduled_pages', 'dropped', 'drained_calls', 'madvise_calls', 'madvise_bytes', 'reused_skips'],
  },
  s61: {
    line: 'HZ3_S61_THREAD_EXIT_PURGE',
    flag: 'HZ3_S61_THREAD_EXIT_PURGE',
    keys: ['purges', 'returned_blocks', 'freed_segments', 'madvise_calls', 'madvise_bytes'],
  },
} as const satisfies Record<string, BoxSpec>;

export type BoxName = keyof typeof BOXES;

/** Index of each box's first counter within the slot's counter area. */
export const BOX_BASE: Readonly<Record<BoxName, number>> = (() => {
  const out = {} as Record<BoxName, number>;
  let i = 0;
  for (const name of Object.keys(BOXES) as BoxName[]) {
    out[name] = i;
    i += BOXES[name].keys.length;
  }
  if (i * 2 > S_COUNTERS_MAX) throw new Error('observe counters overflow the slot counter area');
  return out;
})();

/** f64 index (over the whole arena) of the first counter of `slotWord`'s slot. */
export const counterBase = (slotWord: number): number => (slotWord + S_COUNTERS) >>> 1;

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
} as const;
