/**
 * Size classes.
 *
 *   small   bins 0..127    16..2048 B in 16-byte steps; a page is carved into
 *                          floor(4096 / size) equal objects.
 *   medium  bins 128..135  4..32 KiB: one object per run of 1..8 pages. A request
 *                          of 2049..4095 B rounds up to 4 KiB (S56 observes this).
 *           with S57 (HZ3_S57_MEDIUM_FINE_CLASSES): bins 128..159, 2304..32768 B,
 *                          eight classes per doubling (at most 12.5% apart), several
 *                          objects per run of 1..13 pages (./medium-classes.ts).
 *   large   no bin         > 32 KiB: a page run (multi-segment span above 1 MiB).
 *
 * `binOfGranules[(size + 15) >>> 4]` maps any size 0..32768 to its bin in one load.
 */
import { PAGE_SIZE, PAGE_SHIFT } from './layout.ts';
import { S57_CLASSES, S57_MEDIUM_BINS, s57MediumIndex } from './medium-classes.ts';

export const NUM_SMALL_BINS = 128;
export const NUM_MEDIUM_BINS = HZ3_S57_MEDIUM_FINE_CLASSES ? S57_MEDIUM_BINS : 8;
export const NUM_BINS = NUM_SMALL_BINS + NUM_MEDIUM_BINS;
export const FIRST_MEDIUM_BIN = NUM_SMALL_BINS;
export const MAX_SMALL_SIZE = 2048;
export const MAX_MEDIUM_SIZE = 8 * PAGE_SIZE; // 32 KiB

/** Bytes of an object of `bin`. */
export const binSize = (bin: number): number =>
  bin < NUM_SMALL_BINS ? (bin + 1) * 16 : HZ3_S57_MEDIUM_FINE_CLASSES ? S57_CLASSES.size[bin - FIRST_MEDIUM_BIN] : (bin - FIRST_MEDIUM_BIN + 1) * PAGE_SIZE;

/** Pages of one run of `bin`: 1 for small bins (a page per carve), 1..8 for medium (S57: 1..13). */
export const binRunPages = (bin: number): number =>
  bin < NUM_SMALL_BINS ? 1 : HZ3_S57_MEDIUM_FINE_CLASSES ? S57_CLASSES.pages[bin - FIRST_MEDIUM_BIN] : bin - FIRST_MEDIUM_BIN + 1;

/** Objects one run of `bin` holds (medium: 1; S57 medium: 1..8). */
export const binObjectsPerRun = (bin: number): number =>
  bin < NUM_SMALL_BINS ? Math.floor(PAGE_SIZE / binSize(bin)) : HZ3_S57_MEDIUM_FINE_CLASSES ? S57_CLASSES.objects[bin - FIRST_MEDIUM_BIN] : 1;

/** The bin of a request of `size` bytes (0 <= size <= MAX_MEDIUM_SIZE). */
export function binOfSize(size: number): number {
  if (size <= MAX_SMALL_SIZE) return size <= 16 ? 0 : ((size + 15) >>> 4) - 1;
  if (HZ3_S57_MEDIUM_FINE_CLASSES) return FIRST_MEDIUM_BIN + s57MediumIndex(size);
  return FIRST_MEDIUM_BIN + ((size + PAGE_SIZE - 1) >>> PAGE_SHIFT) - 1;
}

/** Lookup table indexed by granules: `binOfGranules[(size + 15) >>> 4]`. */
export const binOfGranules: Uint8Array = (() => {
  const t = new Uint8Array(MAX_MEDIUM_SIZE / 16 + 1);
  for (let g = 0; g < t.length; g++) t[g] = binOfSize(g * 16);
  return t;
})();

/**
 * Thread-cache cap per bin. A free that pushes a bin over its cap drains half of
 * it to central; a malloc on an empty bin refills half a cap. Small bins hold
 * about 64 KiB (4..256 blocks); medium bins about 256 KiB (16..64 blocks), since
 * a random mix of medium sizes makes each bin's count wander by a dozen or more
 * and a smaller cap turns that wandering into a central round trip every ~20
 * operations (measured: medium random_mixed 36.6 -> 41.4 M ops/s, mixed
 * 35.7 -> 44.7 with the larger medium caps; docs/PERFORMANCE.md).
 */
export const binCap: Uint16Array = (() => {
  const t = new Uint16Array(NUM_BINS);
  for (let b = 0; b < NUM_BINS; b++) {
    t[b] =
      b < NUM_SMALL_BINS
        ? Math.max(4, Math.min(256, Math.floor((64 * 1024) / binSize(b))))
        : Math.max(16, Math.min(64, Math.floor((256 * 1024) / binSize(b))));
  }
  return t;
})();

/** Blocks a refill aims to bring into an empty thread-cache bin. */
export const binRefill = (bin: number): number => Math.max(1, binCap[bin] >>> 1);

/** What a thread cache may hold at most with every bin at its cap, bytes (about 10.1 MiB). */
export const FULL_CACHE_BYTES: number = (() => {
  let n = 0;
  for (let b = 0; b < NUM_BINS; b++) n += binCap[b] * binSize(b);
  return n;
})();

/** A thread cache that may hold one block of every bin (the smallest bound a cache can have), bytes. */
export const MIN_CACHE_BYTES: number = (() => {
  let n = 0;
  for (let b = 0; b < NUM_BINS; b++) n += binSize(b);
  return n;
})();

/**
 * Default bound of one thread's cache, bytes (the `threadCacheBytes` option):
 * every bin at its full cap, 10,589,680 bytes. Smaller bounds scale every cap
 * down and cost speed where sizes are spread (random_mixed medium at 4 MiB:
 * about 0.6x, docs/PERFORMANCE.md); an idle thread gives its cache back
 * within a heartbeat when another thread runs short, whatever the bound.
 */
export const DEFAULT_THREAD_CACHE_BYTES = FULL_CACHE_BYTES;

export interface CacheCaps {
  /** Per bin: blocks the cache holds at most (a free over it drains half). */
  readonly caps: Uint16Array;
  /** Σ caps[b] × binSize(b): the most bytes this cache can ever hold. */
  readonly boundBytes: number;
}

/**
 * Caps for a thread cache of at most `budgetBytes`: every bin's cap is `binCap`
 * scaled down by one factor (at least one block per bin), the largest factor
 * whose bound fits the budget, so the bound is exact: a thread can strand at
 * most `boundBytes`, whatever it does. Budgets at or above FULL_CACHE_BYTES
 * give `binCap` itself; below MIN_CACHE_BYTES, one block per bin.
 */
export function cacheCaps(budgetBytes: number): CacheCaps {
  const capsAt = (scale: number): CacheCaps => {
    const caps = new Uint16Array(NUM_BINS);
    let boundBytes = 0;
    for (let b = 0; b < NUM_BINS; b++) {
      caps[b] = Math.max(1, Math.floor(binCap[b] * scale));
      boundBytes += caps[b] * binSize(b);
    }
    return { caps, boundBytes };
  };
  if (budgetBytes >= FULL_CACHE_BYTES) return capsAt(1);
  let lo = 0; // fits
  let hi = 1; // does not fit
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if (capsAt(mid).boundBytes <= budgetBytes) lo = mid;
    else hi = mid;
  }
  return capsAt(lo);
}
