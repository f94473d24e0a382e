/**
 * S57 finer medium classes (flag HZ3_S57_MEDIUM_FINE_CLASSES, default 0): the
 * class table. Read only through size-classes.ts (binSize, binRunPages,
 * binObjectsPerRun, binOfGranules), and only where the flag is on, so a bundle
 * built with the flag 0 carries none of it (the table is built by a pure call
 * that esbuild drops when nothing reads it).
 *
 * Classes: 32 medium bins after the 128 small ones, eight per doubling from
 * 2 KiB to 32 KiB:
 *
 *   2304 2560 2816 3072 3328 3584 3840 4096          (256 B steps)
 *   4608 5120 ... 8192                               (512 B steps)
 *   9216 10240 ... 16384                             (1 KiB steps)
 *   18432 20480 ... 32768                            (2 KiB steps)
 *
 * so a class is at most 12.5% above the one below it (2048 -> 2304 is the
 * widest step), and a request wastes less than 1/9 of its class in rounding.
 * Every class is a multiple of 256 B, so objects are 16-aligned anywhere.
 *
 * Runs: a run of a class is the fewest contiguous pages (1..MAX_RUN_PAGES)
 * whose tail, the bytes after the last whole object, is at most 1/16 of the
 * run. It holds floor(pages * 4096 / size) objects laid end to end from the
 * run's first byte; an object may straddle a page boundary inside its run.
 * Classes that are multiples of 4 KiB get the one-object runs of the default
 * classes (8192: 2 pages, 32768: 8 pages); 2304 gets 3 pages of 5 objects
 * (tail 768 B), 3072 3 pages of 4 (no tail), 26624 13 pages of 2.
 *
 * Thread-cache caps follow the default formula (16..64 blocks, about 256 KiB
 * per bin, size-classes.ts binCap), so with 32 medium bins a full cache is
 * 16.1 MiB (the default: 10.1 MiB). Smaller medium caps lower RSS but bring
 * more central round trips (docs/BENCHMARKS.md, "S57 finer medium classes").
 */
import { PAGE_SIZE } from './layout.ts';

/** Medium bins with S57: 128..159. */
export const S57_MEDIUM_BINS = 32;
/** Longest run a class may take, pages (the longest chosen is 13). */
export const S57_MAX_RUN_PAGES = 16;
/** Tail waste bound: tail <= run bytes / S57_TAIL_DIVISOR. */
export const S57_TAIL_DIVISOR = 16;

export interface S57Classes {
  /** Per medium index m (bin - 128): object bytes. */
  readonly size: Uint32Array;
  /** Pages of one run. */
  readonly pages: Uint8Array;
  /** Objects one run holds. */
  readonly objects: Uint8Array;
}

/** Object bytes of medium class m (0..31): (256 << g) * (9 + k) for m = 8g + k. */
export const s57ClassSize = (m: number): number => (256 << (m >>> 3)) * (9 + (m & 7));

/** Fewest pages (<= S57_MAX_RUN_PAGES) whose run of `size`-byte objects leaves a tail of at most 1/16 of the run. */
export function s57RunPagesFor(size: number): number {
  for (let n = 1; n <= S57_MAX_RUN_PAGES; n++) {
    const bytes = n * PAGE_SIZE;
    const objects = Math.floor(bytes / size);
    if (objects >= 1 && (bytes - objects * size) * S57_TAIL_DIVISOR <= bytes) return n;
  }
  throw new Error(`S57: no run of at most ${S57_MAX_RUN_PAGES} pages packs ${size}-byte objects`);
}

function buildS57Classes(): S57Classes {
  const size = new Uint32Array(S57_MEDIUM_BINS);
  const pages = new Uint8Array(S57_MEDIUM_BINS);
  const objects = new Uint8Array(S57_MEDIUM_BINS);
  for (let m = 0; m < S57_MEDIUM_BINS; m++) {
    size[m] = s57ClassSize(m);
    pages[m] = s57RunPagesFor(size[m]);
    objects[m] = Math.floor((pages[m] * PAGE_SIZE) / size[m]);
  }
  return { size, pages, objects };
}

/** The S57 class table (dropped from bundles that do not read it). */
export const S57_CLASSES: S57Classes = /* @__PURE__ */ buildS57Classes();

/** Medium index (0..31) of the smallest S57 class that holds `size` (2049..32768). */
export function s57MediumIndex(size: number): number {
  let m = 0;
  while (s57ClassSize(m) < size) m++;
  return m;
}

