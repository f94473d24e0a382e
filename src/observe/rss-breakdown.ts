/**
 * RSS breakdown (flag HZ3_RSS_BREAKDOWN_OBSERVE, on in the research lane):
 * where the heap's resident bytes are, by cause.
 *
 *   live          bytes the program asked for, in live blocks
 *   waste_small   usable minus requested of live small blocks, plus the unused
 *                 tail of every small page (4096 is not a multiple of most classes)
 *   waste_medium  usable minus requested of live medium blocks, plus the unused
 *                 tail of multi-object medium runs (S57)
 *   waste_large   pages of live large runs minus what was requested
 *   tcache        free blocks in thread caches
 *   central       free blocks in central pools
 *   remote        free blocks in remote rings and inboxes, on their way home
 *   seg_free      free pages in segments not yet released to the OS
 *   meta          metadata pages resident (mincore; in record-only mode, the
 *                 whole metadata area, an upper bound)
 *   resident      meta + data pages handed out and not released
 *
 * Every part comes from the allocator's own books, so the parts add up to
 * `resident` exactly on a quiet heap (while other threads run, a snapshot may
 * be off by the blocks moving meanwhile). `resident` counts a page from the
 * moment the allocator hands it out; the OS counts it from its first touch, so
 * heap RSS by mincore (`osDataBytes`) is lower by the pages handed out and
 * never written: interior pages of large runs and of medium runs a program has
 * not used. Live requested bytes of a small or medium class are estimated from
 * that class's allocations since the heap was made (requested / usable), exact
 * when a class is always requested at one size. Without the flag the split of
 * live blocks into requested and waste is unknown: live holds usable bytes.
 */
import { Arena } from '../heap/arena.ts';
import { BREAKDOWN_SAMPLES_MAX, BREAKDOWN_SAMPLE_F64, H_BREAKDOWN_SAMPLES, carvedWord, H_LARGE_PAGES, H_RESIDENT_PAGES, PAGE_SIZE } from '../heap/layout.ts';
import { FIRST_MEDIUM_BIN, NUM_BINS, binObjectsPerRun, binRunPages, binSize } from '../heap/size-classes.ts';
import { freeBlockCensus } from '../heap/account.ts';
import { forEachFreeRun } from '../heap/segments.ts';
import { osResidentBytes } from '../heap/release.ts';
import { counterBase, declareCounters, sumCounter } from './counters.ts';

export interface RssBreakdown {
  live: number;
  waste_small: number;
  waste_medium: number;
  waste_large: number;
  tcache: number;
  central: number;
  remote: number;
  seg_free: number;
  meta: number;
  resident: number;
  /** Data bytes the OS reports resident (mincore), NaN in record-only mode. */
  osDataBytes: number;
  /** False without HZ3_RSS_BREAKDOWN_OBSERVE: live is then usable bytes and the waste of live blocks is not split out. */
  requestsObserved: boolean;
}

/** The parts, in the order of the printed line. */
export const BREAKDOWN_KEYS = [
  'live', 'waste_small', 'waste_medium', 'waste_large', 'tcache', 'central', 'remote', 'seg_free', 'meta', 'resident',
] as const;

/**
 * The breakdown's counters: per bin the bytes requested and the blocks
 * allocated, live large requested bytes, then the epoch samples: their count and
 * the sum of each part (for the mean line). It prints the breakdown from the
 * heap's books at the moment of the report, then the mean of the samples.
 */
export const RSS_BREAKDOWN = /* @__PURE__ */ declareCounters(HZ3_RSS_BREAKDOWN_OBSERVE, () => ({
  line: 'HZ3_RSS_BREAKDOWN',
  flag: 'HZ3_RSS_BREAKDOWN_OBSERVE',
  counters: ['large_req', 'samples', ...BREAKDOWN_KEYS.map((k) => `sum_${k}` as const)],
  arrays: { req: NUM_BINS, blocks: NUM_BINS },
  lines: (v, a) => {
    const out = [breakdownLine(rssBreakdown(a))];
    if (v.samples > 0) out.push(`[HZ3_RSS_BREAKDOWN_MEAN] samples=${v.samples} ${BREAKDOWN_KEYS.map((k) => `${k}=${Math.round(v[`sum_${k}`] / v.samples)}`).join(' ')}`);
    return out;
  },
}));

/** Hot path (flag on): one more request of `size` bytes in `bin`. */
export function observeRequest(t: { arena: Arena; slotWord: number }, size: number, bin: number): void {
  const base = counterBase(t.slotWord);
  t.arena.f64[base + RSS_BREAKDOWN.req + bin] += size;
  t.arena.f64[base + RSS_BREAKDOWN.blocks + bin]++;
}

/** Large malloc and free (flag on): remember the request at the run's first page, and count it while live. */
export function observeLarge(t: { arena: Arena; slotWord: number }, page: number, size: number, live: boolean): void {
  const a = t.arena;
  if (live) a.largeRequested[page] = size;
  a.f64[counterBase(t.slotWord) + RSS_BREAKDOWN.large_req] += live ? size : -a.largeRequested[page]!;
}

export function rssBreakdown(a: Arena): RssBreakdown {
  const u32 = a.u32;
  const census = freeBlockCensus(a);
  const out: RssBreakdown = {
    live: 0, waste_small: 0, waste_medium: 0, waste_large: 0, tcache: 0, central: 0, remote: 0, seg_free: 0, meta: 0, resident: 0,
    osDataBytes: NaN, requestsObserved: HZ3_RSS_BREAKDOWN_OBSERVE !== 0,
  };
  for (let b = 0; b < NUM_BINS; b++) {
    const size = binSize(b);
    const carved = Atomics.load(u32, carvedWord(b));
    const remote = census.ring[b]! + census.inbox[b]!;
    const live = carved - census.cache[b]! - remote - census.central[b]!;
    out.tcache += census.cache[b]! * size;
    out.remote += remote * size;
    out.central += census.central[b]! * size;
    // Live requested bytes: this class's requested / usable ratio over its allocations so far.
    // (HZ3_RSS_BREAKDOWN_OBSERVE, not a local: a lane without it must drop the counters' declaration.)
    const req = HZ3_RSS_BREAKDOWN_OBSERVE ? sumCounter(a, RSS_BREAKDOWN.req + b) : 0;
    const blocks = HZ3_RSS_BREAKDOWN_OBSERVE ? sumCounter(a, RSS_BREAKDOWN.blocks + b) : 0;
    const ratio = HZ3_RSS_BREAKDOWN_OBSERVE && blocks > 0 ? req / (blocks * size) : 1;
    const liveReq = Math.round(live * size * ratio);
    out.live += liveReq;
    // A run's unused tail: small pages, and S57's multi-object medium runs (0 for one-object runs).
    const perRun = binObjectsPerRun(b);
    const tails = (carved / perRun) * (binRunPages(b) * PAGE_SIZE - perRun * size);
    if (b < FIRST_MEDIUM_BIN) out.waste_small += live * size - liveReq + tails;
    else out.waste_medium += live * size - liveReq + tails;
  }
  const largeBytes = Atomics.load(u32, H_LARGE_PAGES) * PAGE_SIZE;
  const largeReq = HZ3_RSS_BREAKDOWN_OBSERVE ? sumCounter(a, RSS_BREAKDOWN.large_req) : largeBytes;
  out.live += largeReq;
  out.waste_large = largeBytes - largeReq;
  forEachFreeRun(a, (page, n) => {
    for (let p = page; p < page + n; p++) if (a.pageBit(a.residentWord, p)) out.seg_free += PAGE_SIZE;
  });
  const os = osResidentBytes(a);
  out.meta = Number.isNaN(os.metadataBytes) ? a.layout.metaBytes : os.metadataBytes;
  out.osDataBytes = os.dataBytes;
  out.resident = out.meta + Atomics.load(u32, H_RESIDENT_PAGES) * PAGE_SIZE;
  return out;
}

/** `[HZ3_RSS_BREAKDOWN] live=... resident=...` */
export function breakdownLine(b: RssBreakdown): string {
  return `[HZ3_RSS_BREAKDOWN] ${BREAKDOWN_KEYS.map((k) => `${k}=${Math.round(b[k])}`).join(' ')}`;
}

/**
 * At an epoch (research lane: every HZ3_EPOCH_MS), add a snapshot of the
 * breakdown to the sampling thread's counters, for the mean over the run.
 */
export function sampleBreakdown(a: Arena, slotWord: number): void {
  const b = rssBreakdown(a);
  const base = counterBase(slotWord);
  a.f64[base + RSS_BREAKDOWN.samples]++;
  for (const k of BREAKDOWN_KEYS) a.f64[base + RSS_BREAKDOWN[`sum_${k}`]] += b[k];
  // And into the heap's ring, for the breakdown over time (the first BREAKDOWN_SAMPLES_MAX samples).
  const n = Atomics.add(a.u32, H_BREAKDOWN_SAMPLES, 1);
  if (n >= BREAKDOWN_SAMPLES_MAX) return;
  const at = (a.layout.breakdownSamplesOffset >>> 3) + n * BREAKDOWN_SAMPLE_F64;
  BREAKDOWN_KEYS.forEach((k, i) => {
    a.f64[at + 1 + i] = b[k];
  });
  a.f64[at] = Date.now(); // last: a reader takes a sample with a time as complete
}

/** One sample of the breakdown over time: when (ms since 1970) and the parts. */
export type BreakdownSample = { readonly atMs: number } & Readonly<Record<(typeof BREAKDOWN_KEYS)[number], number>>;

/** The samples in the heap's ring, oldest first (empty without HZ3_RSS_BREAKDOWN_OBSERVE). */
export function breakdownSamples(a: Arena): BreakdownSample[] {
  const n = Math.min(Atomics.load(a.u32, H_BREAKDOWN_SAMPLES), BREAKDOWN_SAMPLES_MAX);
  const out: BreakdownSample[] = [];
  for (let s = 0; s < n; s++) {
    const at = (a.layout.breakdownSamplesOffset >>> 3) + s * BREAKDOWN_SAMPLE_F64;
    const sample: Record<string, number> = { atMs: a.f64[at]! };
    BREAKDOWN_KEYS.forEach((k, i) => {
      sample[k] = a.f64[at + 1 + i]!;
    });
    if (sample.atMs! > 0) out.push(sample as BreakdownSample); // a sample being written right now has no time yet
  }
  return out;
}
