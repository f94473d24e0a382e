/**
 * The hot path: malloc and free on a thread-cache hit, then the named slow
 * functions every miss goes to. Read top to bottom.
 *
 * A thread cache is, per bin, a LIFO list of free blocks (the next pointer
 * lives in the block's first word) and a count, side by side in the slot:
 *
 *   u32[tc + 2 * bin]      first free block of bin (0 = empty)
 *   u32[tc + 2 * bin + 1]  blocks in the list
 *
 * Blocks are named by `p`, their offset in the heap; the user's pointer is
 * `base + p` (0 for a heap that is a whole buffer): malloc adds base on the
 * way out, free subtracts it on the way in, and the slow functions that
 * return to the user (refill, mallocSlow) return `base + p` too.
 *
 * malloc: size -> bin by one table load, pop. free: one page-tag load says the
 * block's bin and owner; owner == me -> push (drain half to central over the
 * cap). Nothing else happens here: no Atomics, no counters, no policy, no
 * object allocation. Everything else is a slow function below.
 *
 * The caps are this thread's (ThreadHeap.caps, from the `threadCacheBytes`
 * option), so a cache never holds more than its bound in bytes: a refill keeps
 * at most a cap's worth of a long chain and gives the rest back to central.
 *
 * Invariant: only the slot's thread touches its cache lists and counts; a
 * block is in exactly one place (a cache, a central chain, an inbox, a remote
 * ring, a segment, or live with the user); gmap[p >>> 4] === 1 iff p is live.
 */
import { Arena } from './arena.ts';
import {
  LARGE_BIN, S_TC, tcWord, TAG_OWNER_SHIFT, TAG_OWNER_MASK, TAG_BIN_MASK, S_REFILLS, S_CARVES, H_EPOCH, carvedWord, makeTag,
  PAGE_SHIFT, PAGE_SIZE, H_DEAD_SLOTS, H_RECLAIM_SEQ, S_RECLAIM_SEEN, MAX_BINS,
} from './layout.ts';
import { honourReclaim, reclaimAsked, reclaimForRequest, exhaustionMessage, scanCentral } from './reclaim.ts';
import { adoptDeadSlots, refreshLease } from './threads.ts';
import {
  MAX_MEDIUM_SIZE, FIRST_MEDIUM_BIN, binOfGranules, binSize, binRunPages, binObjectsPerRun, cacheCaps, DEFAULT_THREAD_CACHE_BYTES,
} from './size-classes.ts';
import { centralPopAny, centralPush, shardOf } from './central.ts';
import { allocRun, markDirty, markResident, SCAN_FIRST } from './segments.ts';
import { mallocLarge, freeLarge } from './large.ts';
import { remoteFree, flushRemoteRing, takeInbox } from './remote.ts';
import { checkLive, doubleFree } from './checks.ts';
import { HeapError, show } from '../base/errors.ts';
import { markMediumRuns } from './medium-runs.ts';
import { hooks } from './hooks.ts';
import { assertFreeList, assertInboxBlock } from './assert.ts';
import type { AllocatingSlot } from './slot.ts';

export interface HotPath {
  malloc(size: number): number;
  free(ptr: number): void;
}

/** Build the hot path of one thread: closures over that thread's views and slot. */
export function createHotPath(t: ThreadHeap): HotPath {
  const u32 = t.arena.u32;
  const ptag = t.arena.ptag;
  const gmap = t.arena.gmap;
  const binOf = binOfGranules;
  const cap = t.caps;
  const tc = t.tc;
  const me = t.owner << TAG_OWNER_SHIFT;
  const pageLimit = ptag.length;
  const base = t.arena.base; // the user's pointer is base + p (arena.ts)
  const onRequest = hooks.onRequest; // observe lanes only (hooks.ts)

  function malloc(size: number): number {
    if (typeof size === 'number' && (size >>> 0) === size && size <= MAX_MEDIUM_SIZE) {
      const bin = binOf[(size + 15) >>> 4];
      if (HZ3_S56_MEDIUM_WASTE_OBSERVE || HZ3_RSS_BREAKDOWN_OBSERVE) onRequest(t, size, bin);
      const h = tc + (bin << 1);
      const p = u32[h];
      if (p !== 0) {
        u32[h] = u32[p >>> 2];
        u32[h + 1]--;
        if (HZ3_FREE_CHECKS) gmap[p >>> 4] = 1;
        return base + p;
      }
      return t.refill(bin, size);
    }
    return t.mallocSlow(size);
  }

  function free(ptr: number): void {
    const p = typeof ptr === 'number' ? ptr - base : -1; // -1: not a block (no arithmetic on a non-number)
    if ((p >>> 0) === p && (p & 15) === 0 && p >>> PAGE_SHIFT < pageLimit) {
      const tag = ptag[p >>> PAGE_SHIFT];
      if ((tag & TAG_OWNER_MASK) === me && (!HZ3_FREE_CHECKS || gmap[p >>> 4] === 1)) {
        if (HZ3_FREE_CHECKS) {
          if (HZ3_SAFE_ATOMIC_CHECKS) {
            if (Atomics.compareExchange(gmap, p >>> 4, 1, 0) !== 1) return t.freeSlow(ptr);
          } else gmap[p >>> 4] = 0;
        }
        const bin = tag & TAG_BIN_MASK;
        const h = tc + (bin << 1);
        u32[p >>> 2] = u32[h];
        u32[h] = p;
        const c = u32[h + 1] + 1;
        u32[h + 1] = c;
        if (c > cap[bin]) t.drain(bin);
        return;
      }
      if (tag !== 0) return t.freeOther(p, tag);
    }
    t.freeSlow(ptr);
  }

  return { malloc, free };
}

export type OnExhausted = 'throw' | 'null';

/** Bins an inbox pushed over their cap (scratch for sortIntoBins; one module instance per thread). */
const overBins = new Uint8Array(MAX_BINS);

/** The most pages one carve takes from a segment (all its runs together). */
const CARVE_MAX_PAGES = 64;
/** A thread's carve burst doubles with each carve of the bin, up to 2^CARVE_BURST_MAX_DOUBLINGS runs. */
const CARVE_BURST_MAX_DOUBLINGS = 6;
/** Every this many refills (a power of two), a thread refreshes its lease and looks at the time-based epoch. */
const LEASE_EVERY_REFILLS = 64;

/** Options a thread attaches with (validated by the API layer). */
export interface ThreadOptions {
  readonly onExhausted: OnExhausted;
  /** Bound of this thread's cache in bytes (see cacheCaps). */
  readonly threadCacheBytes: number;
}

/** One thread's attachment to the heap: its slot, and the slow paths. */
export class ThreadHeap implements AllocatingSlot {
  /** u32 index of this thread's cache (bin 0's head). */
  readonly tc: number;
  readonly owner: number;
  readonly shard: number;
  readonly hot: HotPath;
  readonly onExhausted: OnExhausted;
  /** Per bin: blocks this thread's cache holds at most. */
  readonly caps: Uint16Array;
  /** The most bytes this thread's cache can hold (Σ caps × class size). */
  readonly cacheBoundBytes: number;

  constructor(
    readonly arena: Arena,
    readonly slot: number,
    readonly slotWord: number,
    options: ThreadOptions = { onExhausted: 'throw', threadCacheBytes: DEFAULT_THREAD_CACHE_BYTES },
  ) {
    this.tc = slotWord + S_TC;
    this.owner = slot + 1;
    this.shard = shardOf(slot);
    this.onExhausted = options.onExhausted;
    const { caps, boundBytes } = cacheCaps(options.threadCacheBytes);
    this.caps = caps;
    this.cacheBoundBytes = boundBytes;
    this.hot = createHotPath(this);
  }

  /** Blocks a refill brings into an empty bin, and a drain keeps: half the cap. */
  private refillOf(bin: number): number {
    return Math.max(1, this.caps[bin] >>> 1);
  }

  /**
   * Miss in `bin`: bring a batch into the (empty) bin and return one block (the user's pointer).
   * Order: my remote ring out, my inbox in, central, then carve from a segment;
   * when all fail, reclaim (reclaim.ts) and try once more before EEXHAUSTED.
   */
  refill(bin: number, size: number): number {
    const a = this.arena;
    const u32 = a.u32;
    this.tick();
    flushRemoteRing(a, this.slotWord);
    if (Atomics.load(u32, H_DEAD_SLOTS) !== 0) adoptDeadSlots(this);
    if (reclaimAsked(a, this.slotWord)) honourReclaim(a, this.slot);
    // Blocks other threads freed for me come first; they may fill the bin.
    const inbox = takeInbox(a, this.slot);
    if (inbox !== 0) {
      this.sortIntoBins(inbox);
      const h = tcWord(this.slotWord, bin);
      const p = u32[h];
      if (p !== 0) {
        u32[h] = u32[p >>> 2];
        u32[h + 1]--;
        if (HZ3_FREE_CHECKS) a.gmap[p >>> 4] = 1;
        return a.base + p;
      }
    }
    // Each source below returns a chain whose length is in word 2 of its head.
    let chain = centralPopAny(a, this.shard, bin);
    if (chain === 0) chain = this.carve(bin);
    if (chain === 0) {
      // Once more after reclaiming, whatever reclaim itself brought back: another thread may have freed meanwhile.
      this.reclaim();
      chain = centralPopAny(a, this.shard, bin);
      if (chain === 0) chain = this.carve(bin);
    }
    if (chain === 0) return this.exhausted(size, `no free pages for a ${binSize(bin)}-byte block`);
    if (HZ3_ASSERT) assertFreeList(a, chain, u32[(chain >>> 2) + 2], bin, 'refill');
    // Into the empty bin: the chain but its head; a chain over the cap (a carved page of many blocks,
    // a sorted inbox) is drained like any bin over its cap.
    const h = tcWord(this.slotWord, bin);
    const n = u32[(chain >>> 2) + 2] - 1;
    u32[h] = u32[chain >>> 2];
    u32[h + 1] = n;
    if (n > this.caps[bin]) this.drain(bin);
    if (HZ3_FREE_CHECKS) a.gmap[chain >>> 4] = 1;
    return a.base + chain;
  }

  /** Out of memory: adopt dead threads, then gather what every thread and central hold (reclaim.ts). */
  reclaim(): void {
    if (Atomics.load(this.arena.u32, H_DEAD_SLOTS) !== 0) adoptDeadSlots(this);
    reclaimForRequest(this.arena, this.slot);
  }

  /**
   * A run of `n` pages for this thread (allocRun), scanning central for wholly
   * free pages first when that could spare a never-used segment; -1 if none.
   */
  takeRun(n: number, align: number): number {
    const page = allocRun(this.arena, this.slotWord, this.owner, n, align, true);
    if (page !== SCAN_FIRST) return page;
    scanCentral(this.arena);
    return allocRun(this.arena, this.slotWord, this.owner, n, align, false);
  }

  /**
   * Carve fresh pages of `bin` into a chain (length in word 2 of its head), or 0.
   * The burst starts at one run and doubles each time this thread carves the bin
   * again, up to one refill: a bin used once touches one page, not a refill's worth.
   */
  private carve(bin: number): number {
    const a = this.arena;
    const u32 = a.u32;
    const size = binSize(bin);
    const runPages = binRunPages(bin);
    const perRun = binObjectsPerRun(bin);
    const carves = u32[this.slotWord + S_CARVES + bin]++;
    const burst = 1 << Math.min(carves, CARVE_BURST_MAX_DOUBLINGS);
    // Runs to carve: the burst, at most one refill's worth, in one segment run of at most CARVE_MAX_PAGES pages.
    let runs = Math.max(1, Math.min(burst, Math.ceil(this.refillOf(bin) / perRun), Math.floor(CARVE_MAX_PAGES / runPages)));
    let page = this.takeRun(runs * runPages, 1);
    if (page < 0 && runs > 1) {
      runs = 1;
      page = this.takeRun(runPages, 1);
    }
    if (page < 0) return 0;
    const pages = runs * runPages;
    const tag = makeTag(bin, this.owner);
    // S57: a medium run holds several objects; each page records its distance from the run start (medium-runs.ts).
    if (HZ3_S57_MEDIUM_FINE_CLASSES) if (bin >= FIRST_MEDIUM_BIN) markMediumRuns(a, page, runs, runPages);
    a.ptag.fill(tag, page, page + pages);
    markResident(a, page, pages);
    markDirty(a, page, pages);
    // Link every object of every run, lowest address first.
    const base = page * PAGE_SIZE;
    const total = runs * perRun;
    const stride = HZ3_S57_MEDIUM_FINE_CLASSES || bin < FIRST_MEDIUM_BIN ? size : runPages << PAGE_SHIFT;
    let prev = 0;
    for (let r = runs - 1; r >= 0; r--) {
      const runBase = base + r * (runPages << PAGE_SHIFT);
      for (let i = perRun - 1; i >= 0; i--) {
        const p = HZ3_S57_MEDIUM_FINE_CLASSES || bin < FIRST_MEDIUM_BIN ? runBase + i * stride : runBase;
        u32[p >>> 2] = prev;
        prev = p;
      }
    }
    u32[(prev >>> 2) + 2] = total;
    Atomics.add(u32, carvedWord(bin), total);
    return prev;
  }

  /** Push each block of an inbox chain (blocks of any bin) onto its bin's list; drain the bins it took over their cap. */
  private sortIntoBins(chain: number): void {
    const a = this.arena;
    const u32 = a.u32;
    let over = 0;
    for (let p = chain; p !== 0; ) {
      const next = u32[p >>> 2];
      if (HZ3_ASSERT) assertInboxBlock(a, p, this.owner, 'refill (inbox)');
      const bin = a.ptag[p >>> PAGE_SHIFT] & TAG_BIN_MASK;
      const h = tcWord(this.slotWord, bin);
      u32[p >>> 2] = u32[h];
      u32[h] = p;
      if (++u32[h + 1] === this.caps[bin] + 1) overBins[over++] = bin;
      p = next;
    }
    for (let i = 0; i < over; i++) this.drain(overBins[i]);
  }

  /**
   * Over the cap in `bin`: keep the newest half, push the rest to central as one
   * chain. When another thread asked for caches back, give the whole cache
   * instead: a thread that only frees never refills. The request is read with
   * plain loads (seen a drain later at worst): drain runs every few frees of a
   * busy medium bin, and an atomic load there cost medium random_mixed 2%.
   */
  drain(bin: number): void {
    const u32 = this.arena.u32;
    if (u32[H_RECLAIM_SEQ] !== u32[this.slotWord + S_RECLAIM_SEEN]) return honourReclaim(this.arena, this.slot);
    const h = tcWord(this.slotWord, bin);
    // Not over the cap (any more): an earlier drain of an inbox sort answered a request and emptied the cache.
    if (u32[h + 1] <= this.caps[bin]) return;
    const keep = this.refillOf(bin);
    let cut = u32[h];
    for (let i = 1; i < keep; i++) cut = u32[cut >>> 2];
    const rest = u32[cut >>> 2];
    u32[cut >>> 2] = 0;
    const n = u32[h + 1] - keep;
    u32[h + 1] = keep;
    if (HZ3_ASSERT) assertFreeList(this.arena, u32[h], keep, bin, 'drain (kept)');
    centralPush(this.arena, this.shard, bin, rest, n);
  }

  /** malloc of a size the fast test refused: a bad size or a large request. */
  mallocSlow(size: number): number {
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      throw new HeapError('ESIZE', `malloc: size must be a non-negative safe integer, got ${show(size)}`);
    }
    return mallocLarge(this, size, 1, false);
  }

  /** free that missed the fast test: null, large, another owner's block, or bad input (`ptr` as the user gave it). */
  freeSlow(ptr: number): void {
    if (ptr === 0) return;
    const a = this.arena;
    const tag = checkLive(a, ptr, 'free'); // throws unless ptr is a live block start
    const p = ptr - a.base;
    const bin = tag & TAG_BIN_MASK;
    if (bin === LARGE_BIN) return freeLarge(a, this.slotWord, p);
    if (HZ3_FREE_CHECKS) {
      if (HZ3_SAFE_ATOMIC_CHECKS) {
        if (Atomics.compareExchange(a.gmap, p >>> 4, 1, 0) !== 1) throw doubleFree(ptr, 'free');
      } else a.gmap[p >>> 4] = 0;
    }
    const owner = (tag & TAG_OWNER_MASK) >>> TAG_OWNER_SHIFT;
    if (owner === this.owner) this.pushLocal(p, bin);
    else remoteFree(this, p);
  }

  /**
   * free of a block in a tagged page that is not a live block of mine: most
   * often another thread's block (it goes to the remote ring); large blocks and
   * bad pointers take the full checks of freeSlow.
   */
  freeOther(p: number, tag: number): void {
    const owner = (tag & TAG_OWNER_MASK) >>> TAG_OWNER_SHIFT;
    const ptr = this.arena.base + p;
    if ((tag & TAG_BIN_MASK) === LARGE_BIN || owner === this.owner) return this.freeSlow(ptr);
    const gmap = this.arena.gmap;
    if (HZ3_FREE_CHECKS) {
      if (HZ3_SAFE_ATOMIC_CHECKS) {
        if (Atomics.compareExchange(gmap, p >>> 4, 1, 0) !== 1) return this.freeSlow(ptr);
      } else {
        if (gmap[p >>> 4] !== 1) return this.freeSlow(ptr);
        gmap[p >>> 4] = 0;
      }
    }
    remoteFree(this, p);
  }

  /** Push a block of my own pages into my cache (the fast free's body, for slow callers). */
  pushLocal(p: number, bin: number): void {
    const u32 = this.arena.u32;
    const h = tcWord(this.slotWord, bin);
    u32[p >>> 2] = u32[h];
    u32[h] = p;
    if (++u32[h + 1] > this.caps[bin]) this.drain(bin);
  }

  /** Slow-path event counter: every HZ3_EPOCH_REFILLS refills advance the global epoch (and every HZ3_EPOCH_MS, where set). */
  private tick(): void {
    const u32 = this.arena.u32;
    const w = this.slotWord + S_REFILLS;
    const n = ++u32[w];
    if ((n & (LEASE_EVERY_REFILLS - 1)) === 0) {
      refreshLease(this.arena, this.slotWord);
      if (HZ3_EPOCH_MS) hooks.epochIfDue(this);
    }
    if (n < HZ3_EPOCH_REFILLS) return;
    u32[w] = 0;
    hooks.onEpoch(this, Atomics.add(u32, H_EPOCH, 1) + 1);
  }

  /** The arena cannot satisfy a request even after reclaiming: throw (with the numbers), or return 0 like C when so configured. */
  exhausted(size: number, why: string): number {
    if (this.onExhausted === 'null') return 0;
    throw new HeapError('EEXHAUSTED', exhaustionMessage(this.arena, this.slot, size, why));
  }
}
