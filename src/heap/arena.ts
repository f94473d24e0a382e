/**
 * The arena: the heap's bytes (a whole SharedArrayBuffer, or a region of a
 * caller's buffer from byte `base`), its layout, and the typed views every
 * layer reads through. One Arena object per attached thread; the state is all
 * in the buffer, so any thread's Arena over the same bytes sees the same heap.
 *
 * Every view starts at `base`, so inside the heap an offset `p` (0 = the
 * header) indexes them directly, as if the heap were the whole buffer. The
 * user's pointer is `base + p`, a byte offset into the whole buffer (valid in
 * the caller's own views and in wasm code); the hot path and the API layer
 * convert at the boundary, nothing else sees `base`.
 */
import { computeLayout, PAGE_SIZE, GRANULE, SLOT_BYTES, H_TIME_ORIGIN_F64, type Layout } from './layout.ts';
import { NUM_BINS } from './size-classes.ts';
import { NO_SLOT } from './locks.ts';

export class Arena {
  readonly layout: Layout;
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  /** f64 view: per-thread observe counters. */
  readonly f64: Float64Array;
  /** u64 view: (top, count) list words of central pools and inboxes (see list-word.ts). */
  readonly u64: BigUint64Array;
  /** Page tags, indexed by page number (`ptr >>> 12`). */
  readonly ptag: Uint32Array;
  /** Pages of a large run, at the run's first page (0 elsewhere). */
  readonly runLen: Uint32Array;
  /**
   * One byte per 16-byte granule: 1 = a live block starts here (`gmap[ptr >>> 4]`).
   * A byte, not a bit: blocks of one page are held by different threads, and a
   * plain store to a byte cannot lose a neighbour's mark as a word RMW could.
   */
  readonly gmap: Uint8Array;
  /** When each page was last given back to its segment, ms since the heap's time origin. */
  readonly freedAt: Uint32Array;
  /** Bytes requested for the large block starting at each page (HZ3_RSS_BREAKDOWN_OBSERVE lanes). */
  readonly largeRequested: Uint32Array;
  /** u32 index of segment 0's entry. */
  readonly segWord: number;
  readonly dirtyWord: number;
  readonly residentWord: number;
  readonly packWord: number;
  readonly centralWord: number;
  readonly inboxWord: number;
  /** This thread's id in lock words: slot + 1 once attached (NO_SLOT before). */
  me: number = NO_SLOT;

  /** The heap's first page as a page of the whole buffer (`base / PAGE_SIZE`): the phase of absolute page alignment. */
  readonly basePage: number;

  /**
   * @param buffer the whole buffer (a SharedArrayBuffer, or an ArrayBuffer for one thread)
   * @param base   where the heap starts in it, in bytes (a multiple of PAGE_SIZE)
   */
  constructor(
    readonly buffer: SharedArrayBuffer | ArrayBuffer,
    readonly base: number,
    arenaBytes: number,
    maxThreads: number,
  ) {
    this.layout = computeLayout(arenaBytes, maxThreads, NUM_BINS);
    this.basePage = base / PAGE_SIZE;
    const L = this.layout;
    this.u8 = new Uint8Array(buffer, base, arenaBytes);
    this.u32 = new Uint32Array(buffer, base, arenaBytes / 4);
    this.i32 = new Int32Array(buffer, base, arenaBytes / 4);
    this.f64 = new Float64Array(buffer, base, arenaBytes / 8);
    this.u64 = new BigUint64Array(buffer, base, arenaBytes / 8);
    this.ptag = new Uint32Array(buffer, base + L.ptagOffset, L.arenaPages);
    this.runLen = new Uint32Array(buffer, base + L.runLenOffset, L.arenaPages);
    this.gmap = new Uint8Array(buffer, base + L.gmapOffset, arenaBytes / GRANULE);
    this.freedAt = new Uint32Array(buffer, base + L.freedAtOffset, L.arenaPages);
    this.largeRequested = new Uint32Array(buffer, base + L.largeRequestedOffset, L.arenaPages);
    this.segWord = L.segTableOffset >>> 2;
    this.dirtyWord = L.dirtyOffset >>> 2;
    this.residentWord = L.residentOffset >>> 2;
    this.packWord = L.packOffset >>> 2;
    this.centralWord = L.centralOffset >>> 2;
    this.inboxWord = L.inboxOffset >>> 2;
  }

  /**
   * Milliseconds since the heap's time origin (Date.now() at creation): the
   * clock of leases, the time-based epoch and the decay purge. Tests replace
   * it on one Arena object to run those deterministically.
   */
  now(): number {
    return Date.now() - this.f64[H_TIME_ORIGIN_F64 >>> 1];
  }

  /** u32 index of slot `slot`'s first word. */
  slotWord(slot: number): number {
    return (this.layout.slotsOffset + slot * SLOT_BYTES) >>> 2;
  }

  /**
   * Set (or clear) `n` page bits from `page` in the bitset at word `base`, one
   * atomic operation per 32-bit word; returns how many bits changed.
   */
  pageBits(base: number, page: number, n: number, set: boolean): number {
    let changed = 0;
    const end = page + n;
    for (let p = page; p < end; ) {
      const bit = p & 31;
      const count = Math.min(32 - bit, end - p);
      const mask = count === 32 ? -1 : ((1 << count) - 1) << bit;
      const old = set ? Atomics.or(this.i32, base + (p >>> 5), mask) : Atomics.and(this.i32, base + (p >>> 5), ~mask);
      changed += popcount(set ? ~old & mask : old & mask);
      p += count;
    }
    return changed;
  }

  pageBit(base: number, page: number): boolean {
    return (Atomics.load(this.i32, base + (page >>> 5)) & (1 << (page & 31))) !== 0;
  }
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}
