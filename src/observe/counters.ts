/**
 * One-shot statistics: every box declares its counters once, with
 * `declareCounters`: their names in print order, the line they print, the figures
 * derived from them and the flag that turns them on. The declaration gives each
 * name its index in the slot's counter area, so call sites bump by name:
 * `bump(a, w, S55_3B.reused_skips, n)`. The report (report.ts) prints whatever
 * the declarations say, in declaration order.
 *
 * Counters are per-thread plain numbers (f64) in the thread's slot, bumped only
 * in bundles whose flag is on (`if (HZ3_FLAG) bump(...)` is dead code otherwise),
 * and summed over all slots when printed. A declaration is a pure call whose
 * result only flagged code reads, so a lane without the box drops it with its
 * names and line (esbuild tree-shaking; the bundle test in test/lanes/observe.test.ts
 * proves it). Counter indexes are handed out in the order of the declarations a
 * bundle keeps: a heap is only ever opened by the bundle that made it (the lane
 * fingerprint and the build id are checked), so no two layouts meet.
 *
 * Boxes declared here: S49 pack, S56 medium waste, S55-3, S55-3B, decay purge,
 * S61. The RSS breakdown declares its own (rss-breakdown.ts), as its first line
 * is the heap's books at the moment of the report.
 */
import type { Arena } from '../heap/arena.ts';
import { S_COUNTERS, S_COUNTERS_MAX } from '../heap/layout.ts';
import { FIRST_MEDIUM_BIN, NUM_MEDIUM_BINS, binSize } from '../heap/size-classes.ts';

/** A box's counters as its derived figures and printer see them: one number per counter, an array per counter array. */
export type CounterValues<K extends string, A extends string> = { readonly [k in K]: number } & { readonly [k in A]: readonly number[] };

export interface CounterSpec<K extends string, A extends string> {
  /** The line's tag: `[HZ3_S49_PACK] hit=... miss=...`. */
  readonly line: string;
  /** The flag that turns the box (and its counters) on. */
  readonly flag: string;
  /** One counter per name, in print order. */
  readonly counters: readonly K[];
  /** Arrays of counters (name -> length), after the single ones; the report names them name0, name1, ... */
  readonly arrays?: Readonly<Record<A, number>>;
  /** Figures derived from the counters, printed after them in this order (`hit_pct`, `waste_pct`). */
  readonly derived?: Readonly<Record<string, (v: CounterValues<K, A>) => number | string>>;
  /**
   * The printed lines, where they are not the one `[line] name=value ... derived=...`:
   * `format` writes `[line] ` and the given figures.
   */
  readonly lines?: (v: CounterValues<K, A>, a: Arena, format: (figures: Readonly<Record<string, number | string>>) => string) => string[];
}

/** A declared box as the report reads it. */
export interface DeclaredBox {
  readonly spec: CounterSpec<string, string>;
  /** Index of each counter (of an array: of its first) in the slot's counter area. */
  readonly at: Readonly<Record<string, number>>;
}

/** The boxes this bundle carries (their flag is on), in declaration order: the report's order. */
export const BOXES: DeclaredBox[] = [];

/** Counters handed out so far. */
let declared = 0;

/**
 * Declare one box's counters: returns each name's index in the slot's counter
 * area (of an array, its first counter's). `on` is the box's flag: only boxes
 * that are on are reported. Mark each call `@__PURE__`, so that a bundle
 * without the box drops the declaration.
 */
export function declareCounters<const K extends string, const A extends string = never>(
  on: number,
  declare: () => CounterSpec<K, A>,
): Readonly<Record<K | A, number>> {
  const spec = declare();
  const at: Record<string, number> = {};
  for (const k of spec.counters) at[k] = declared++;
  for (const [k, n] of Object.entries<number>(spec.arrays ?? {})) {
    at[k] = declared;
    declared += n;
  }
  if (declared * 2 > S_COUNTERS_MAX) throw new Error('observe counters overflow the slot counter area');
  if (on) BOXES.push({ spec: spec as unknown as CounterSpec<string, string>, at });
  return at as Record<K | A, number>;
}

/** f64 index (over the whole arena) of the first counter of `slotWord`'s slot. */
export const counterBase = (slotWord: number): number => (slotWord + S_COUNTERS) >>> 1;

/** Add `v` to counter `index` of the slot at `slotWord` (a plain per-thread f64). */
export function bump(a: { f64: Float64Array }, slotWord: number, index: number, v = 1): void {
  a.f64[counterBase(slotWord) + index] += v;
}

/** Counter `index` summed over every thread slot. */
export function sumCounter(a: Arena, index: number): number {
  let v = 0;
  for (let s = 0; s < a.layout.maxThreads; s++) v += a.f64[counterBase(a.slotWord(s)) + index]!;
  return v;
}

/** `part` as a percentage of `whole`, two decimals (0.00 of nothing). */
export const pct = (part: number, whole: number): string => (whole > 0 ? ((100 * part) / whole).toFixed(2) : '0.00');

export const S49_PACK = /* @__PURE__ */ declareCounters(HZ3_S49_PACK_OBSERVE, () => ({
  line: 'HZ3_S49_PACK',
  flag: 'HZ3_S49_PACK_OBSERVE',
  counters: ['hit', 'miss', 'new_segment'],
  derived: { hit_pct: (v) => pct(v.hit, v.hit + v.miss) },
}));

export const S56_WASTE = /* @__PURE__ */ declareCounters(HZ3_S56_MEDIUM_WASTE_OBSERVE, () => ({
  line: 'HZ3_MEDIUM_WASTE_OBS',
  flag: 'HZ3_S56_MEDIUM_WASTE_OBSERVE',
  counters: ['req', 'alloc'],
  derived: { waste: (v) => v.alloc - v.req, waste_pct: (v) => pct(v.alloc - v.req, v.alloc) },
}));

/** Per medium class: requested and class bytes (`req + sc`, `alloc + sc`). */
export const S56_WASTE_BY_CLASS = /* @__PURE__ */ declareCounters(HZ3_S56_MEDIUM_WASTE_OBSERVE, () => ({
  line: 'HZ3_MEDIUM_WASTE_SC',
  flag: 'HZ3_S56_MEDIUM_WASTE_OBSERVE',
  counters: [],
  arrays: { req: NUM_MEDIUM_BINS, alloc: NUM_MEDIUM_BINS },
  // One line per class; S57's classes are not multiples of 4 KiB, so its lines name each class's size.
  lines: (v, _a, format) =>
    v.req.map((req, sc) => {
      const alloc = v.alloc[sc]!;
      return format(HZ3_S57_MEDIUM_FINE_CLASSES ? { sc, size: binSize(FIRST_MEDIUM_BIN + sc), req, alloc, waste: alloc - req } : { sc, req, alloc, waste: alloc - req });
    }),
}));

export const S55_3 = /* @__PURE__ */ declareCounters(HZ3_S55_3_MEDIUM_SUBRELEASE, () => ({
  line: 'HZ3_S55_3_MEDIUM_SUBRELEASE',
  flag: 'HZ3_S55_3_MEDIUM_SUBRELEASE',
  counters: ['calls', 'demote_pages', 'madvise_calls', 'madvise_pages', 'madvise_bytes'],
}));

export const S55_3B = /* @__PURE__ */ declareCounters(HZ3_S55_3B_DELAYED_SUBRELEASE, () => ({
  line: 'HZ3_S55_3B_DELAY',
  flag: 'HZ3_S55_3B_DELAYED_SUBRELEASE',
  counters: ['schedule_calls', 'scheduled_pages', 'dropped', 'drained_calls', 'madvise_calls', 'madvise_bytes', 'reused_skips'],
}));

export const DECAY = /* @__PURE__ */ declareCounters(HZ3_DECAY_PURGE, () => ({
  line: 'HZ3_DECAY_PURGE',
  flag: 'HZ3_DECAY_PURGE',
  counters: ['purges', 'returned_pages', 'madvise_calls', 'madvise_pages', 'madvise_bytes', 'capped'],
}));

export const S61 = /* @__PURE__ */ declareCounters(HZ3_S61_THREAD_EXIT_PURGE, () => ({
  line: 'HZ3_S61_THREAD_EXIT_PURGE',
  flag: 'HZ3_S61_THREAD_EXIT_PURGE',
  counters: ['purges', 'returned_blocks', 'freed_segments', 'madvise_calls', 'madvise_bytes'],
}));
