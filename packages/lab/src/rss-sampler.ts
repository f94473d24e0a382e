/**
 * RSS time series of the current process, as BENCHMARKS.md asks: resident pages
 * from /proc/self/statm (x 4096) every `intervalMs` (default 50 ms), and, once the
 * process owns a heap ({@link RssSampler.watchHeap}), the heap's own resident
 * bytes at every sample too ("heap RSS").
 *
 * The sampler runs in its own worker thread so that it keeps sampling while the
 * main thread is inside a tight, synchronous benchmark loop (a timer on the main
 * thread would never fire). /proc/self/statm is process-wide, so a worker reads
 * the same figure as the main thread; one read on an open fd costs ~4 µs.
 * The worker itself adds a constant few MiB of RSS (its isolate), the same for
 * every JS allocator.
 *
 * Heap RSS: process RSS holds Node itself (~58 MiB of a JS child), so a heap of
 * a few MiB barely moves it. The heap's SharedArrayBuffer is visible from the
 * sampler thread, so the worker asks the OS which of its pages are resident
 * (mincore, through the release addon's residentPages: the function behind
 * heap.osResident(), callable from any thread that holds the buffer), metadata
 * and data separately; a scan of a 1 GiB arena takes ~0.5 ms. Without the addon
 * (record-only mode) there is no mincore: the figure is then the allocator's own
 * account (hakozuna: stats().residentBytes, a word of the header the worker reads
 * with Atomics.load), and the series says so.
 *
 * Samples go into a SharedArrayBuffer: [count | t, rss, heapMeta, heapData,
 * heapAccount, ...], times in ms since the sampler started, NaN where a figure is
 * not measured. The main thread adds a sample of its own at each phase mark, so
 * even a run shorter than one interval has samples at its edges. Where
 * /proc/self/statm does not exist, process.memoryUsage.rss() is used.
 */
import { Worker } from 'node:worker_threads';
import { closeSync, openSync, readSync } from 'node:fs';
import type { AllocatorResidency } from '../bench/protocol.ts';
import type { HeapRssSeries, HeapRssSource, ResidencyProbe } from '../bench/heap-rss.ts';

export { heapRssOf, type HeapRssSeries, type HeapRssSource, type ResidencyProbe } from '../bench/heap-rss.ts';
import { addonPath as osAddonPath, osResidentPages, releaseMode, releaseModeReason } from 'hakozuna/src/platform/release.ts';

const PAGE_BYTES = 4096;
const DEFAULT_CAPACITY = 1 << 16; // samples: ~55 minutes at 50 ms

/** One RSS reading of this process, bytes. */
export function makeRssReader(): { read(): number; close(): void } {
  let fd = -1;
  try {
    fd = openSync('/proc/self/statm', 'r');
  } catch {
    fd = -1;
  }
  const buf = Buffer.alloc(128);
  return {
    read(): number {
      if (fd < 0) return process.memoryUsage.rss();
      const n = readSync(fd, buf, 0, buf.length, 0);
      // "size resident shared text lib data dt": the second field.
      let i = 0;
      while (i < n && buf[i] !== 0x20) i++;
      let pages = 0;
      for (i++; i < n; i++) {
        const c = buf[i]!;
        if (c < 0x30 || c > 0x39) break;
        pages = pages * 10 + (c - 0x30);
      }
      return pages * PAGE_BYTES;
    },
    close(): void {
      if (fd >= 0) closeSync(fd);
      fd = -1;
    },
  };
}

// The worker's source: plain JS (eval worker), the same statm reader as above.
// `addonPath` is the release addon src/platform/release.ts loaded (null in record-only
// mode): its residentPages(view, offset, bytes) is mincore over a range of the view's buffer.
const STRIDE = 5;
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { sab, intervalMs, origin, capacity, addonPath } = workerData;
const head = new Int32Array(sab, 0, 2);
const data = new Float64Array(sab, 8, capacity * ${STRIDE});
let fd = -1;
try { fd = fs.openSync('/proc/self/statm', 'r'); } catch { fd = -1; }
const buf = Buffer.alloc(128);
function read() {
  if (fd < 0) return process.memoryUsage.rss();
  const n = fs.readSync(fd, buf, 0, buf.length, 0);
  let i = 0;
  while (i < n && buf[i] !== 0x20) i++;
  let pages = 0;
  for (i++; i < n; i++) { const c = buf[i]; if (c < 0x30 || c > 0x39) break; pages = pages * 10 + (c - 0x30); }
  return pages * ${PAGE_BYTES};
}
let addon = null;
let addonError = '';
if (addonPath) { try { addon = require(addonPath); } catch (e) { addonError = String(e && e.message || e).split('\\n')[0]; } }
let probe = null; // { view, meta, dataRange, word }
function resident(range) {
  if (addon === null || range === undefined) return NaN;
  return addon.residentPages(probe.view, range.offset, range.bytes) * ${PAGE_BYTES};
}
function sample() {
  if (Atomics.load(head, 1) !== 0) return;
  const rss = read();
  let meta = NaN, dat = NaN, acct = NaN;
  if (probe !== null) {
    meta = resident(probe.meta);
    dat = resident(probe.dataRange);
    if (probe.word !== null) acct = Atomics.load(probe.word.u32, probe.word.index) * probe.word.unit;
  }
  const i = Atomics.add(head, 0, 1);
  if (i < capacity) {
    const o = ${STRIDE} * i;
    data[o] = performance.timeOrigin + performance.now() - origin; data[o + 1] = rss; data[o + 2] = meta; data[o + 3] = dat; data[o + 4] = acct;
  }
}
parentPort.on('message', (m) => {
  const w = m.accountWord;
  probe = { view: new Uint8Array(m.buffer), meta: m.metadata, dataRange: m.data, word: w ? { u32: new Uint32Array(m.buffer), index: w.wordIndex, unit: w.unitBytes } : null };
  let ok = false;
  let why = addonError || (addonPath ? '' : 'no release addon');
  if (addon !== null) { try { ok = Number.isFinite(addon.residentPages(probe.view, m.data.offset, Math.min(m.data.bytes, 4096 * 16))); } catch (e) { why = String(e && e.message || e); } }
  sample();
  parentPort.postMessage({ t: 'watching', mincore: ok, why });
});
sample();
setInterval(sample, intervalMs);
parentPort.postMessage({ t: 'ready' });
`;

export interface RssSeries {
  readonly intervalMs: number;
  /** [ms since start, resident bytes], in time order. */
  readonly samples: [number, number][];
  /** Samples dropped because the buffer was full. */
  readonly dropped: number;
  /** The heap's resident bytes at the same samples, when watchHeap was called. */
  readonly heap?: HeapRssSeries;
}

export interface RssSampler {
  /** ms since the sampler started. */
  now(): number;
  /** Take one sample on the calling thread now; returns its time. */
  sampleNow(): number;
  /**
   * From now on, measure the heap's resident bytes at every sample too. Resolves
   * with the source the samples will have: 'mincore' when the addon works in the
   * sampler thread, else 'account' when the probe has an account word, else 'none'.
   * `recordOnlyReason` (hakozuna: stats().releaseModeReason) goes into the note.
   */
  watchHeap(probe: ResidencyProbe, opts?: { recordOnlyReason?: string }): Promise<HeapRssSource>;
  /** Stop the worker and return the series. */
  stop(): Promise<RssSeries>;
}

/** A finite number, or null (JSON has no NaN). */
const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

export async function startRssSampler(opts: { intervalMs?: number; capacity?: number } = {}): Promise<RssSampler> {
  const intervalMs = opts.intervalMs ?? 50;
  const capacity = opts.capacity ?? DEFAULT_CAPACITY;
  const origin = performance.timeOrigin + performance.now();
  const sab = new SharedArrayBuffer(8 + capacity * STRIDE * 8);
  const head = new Int32Array(sab, 0, 2);
  const data = new Float64Array(sab, 8, capacity * STRIDE);
  const reader = makeRssReader();
  const addonPath = releaseMode === 'madvise' ? osAddonPath : null;
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sab, intervalMs, origin, capacity, addonPath } });
  worker.unref();
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  let probe: ResidencyProbe | undefined;
  let heapSource: HeapRssSource = 'none';
  let heapNote = '';
  let probeWords: Uint32Array | undefined;
  let probeBytes: Uint8Array | undefined;
  const now = (): number => performance.timeOrigin + performance.now() - origin;
  // The main thread's own samples (phase marks) measure the heap the same way, through src/platform/release.ts.
  const heapNow = (): [number, number, number] => {
    if (probe === undefined) return [NaN, NaN, NaN];
    const mincore = heapSource === 'mincore';
    const meta = mincore && probe.metadata ? osResidentPages(probeBytes!, probe.metadata.offset, probe.metadata.bytes) * PAGE_BYTES : NaN;
    const dat = mincore ? osResidentPages(probeBytes!, probe.data.offset, probe.data.bytes) * PAGE_BYTES : NaN;
    const acct = probe.accountWord ? Atomics.load(probeWords!, probe.accountWord.wordIndex) * probe.accountWord.unitBytes : NaN;
    return [meta, dat, acct];
  };
  const sampleNow = (): number => {
    const rss = reader.read();
    const [meta, dat, acct] = heapNow();
    const t = now();
    const i = Atomics.add(head, 0, 1);
    if (i < capacity) {
      const o = STRIDE * i;
      data[o] = t;
      data[o + 1] = rss;
      data[o + 2] = meta;
      data[o + 3] = dat;
      data[o + 4] = acct;
    }
    return t;
  };
  return {
    now,
    sampleNow,
    async watchHeap(p: ResidencyProbe, o: { recordOnlyReason?: string } = {}): Promise<HeapRssSource> {
      const reply = new Promise<{ mincore: boolean; why: string }>((resolve) => worker.once('message', resolve));
      worker.postMessage({ buffer: p.buffer, metadata: p.metadata, data: p.data, accountWord: p.accountWord });
      const r = await reply;
      probe = p;
      probeWords = new Uint32Array(p.buffer);
      probeBytes = new Uint8Array(p.buffer);
      heapSource = r.mincore ? 'mincore' : p.accountWord ? 'account' : 'none';
      const why = o.recordOnlyReason || r.why || releaseModeReason || 'mincore unavailable';
      heapNote =
        heapSource === 'mincore'
          ? `${p.label}: resident pages from mincore${p.metadata ? ' (metadata and data)' : ''}, every sample`
          : heapSource === 'account'
            ? `${p.label}: record-only mode (${why}): no mincore, so heap RSS is the allocator's own account (stats().residentBytes)`
            : `${p.label}: no mincore (${why}) and no account of its own: heap RSS n/a`;
      return heapSource;
    },
    async stop(): Promise<RssSeries> {
      sampleNow();
      Atomics.store(head, 1, 1);
      await worker.terminate();
      reader.close();
      const count = Atomics.load(head, 0);
      const n = Math.min(count, capacity);
      const rows: number[][] = [];
      for (let i = 0; i < n; i++) rows.push(Array.from(data.subarray(STRIDE * i, STRIDE * i + STRIDE)));
      rows.sort((a, b) => a[0]! - b[0]!);
      const samples = rows.map((r): [number, number] => [r[0]!, r[1]!]);
      const heap: HeapRssSeries | undefined =
        probe === undefined
          ? undefined
          : {
              label: probe.label,
              source: heapSource,
              note: heapNote,
              // Samples taken before watchHeap have no heap figure: left out.
              samples: rows
                .filter((r) => Number.isFinite(r[2]!) || Number.isFinite(r[3]!) || Number.isFinite(r[4]!))
                .map((r): [number, number | null, number | null, number | null] => [r[0]!, orNull(r[2]!), orNull(r[3]!), orNull(r[4]!)]),
            };
      return { intervalMs, samples, dropped: count - n, ...(heap !== undefined ? { heap } : {}) };
    },
  };
}

/**
 * Start measuring an allocator's heap RSS (the child's main thread, once the
 * allocator exists). Returns a function to call after the run, before stop():
 * it checks the account word against the allocator's public figure (so a moved
 * header word can never pass as the account) and returns a note when it did not match.
 */
export async function watchAllocator(sampler: RssSampler, residency: AllocatorResidency | undefined): Promise<() => string | undefined> {
  if (residency === undefined) return () => undefined;
  const source = await sampler.watchHeap(residency.probe, residency.recordOnlyReason ? { recordOnlyReason: residency.recordOnlyReason } : {});
  const word = residency.probe.accountWord;
  return () => {
    if (word === undefined || residency.accountNow === undefined) return undefined;
    const fromWord = Atomics.load(new Uint32Array(residency.probe.buffer), word.wordIndex) * word.unitBytes;
    const fromApi = residency.accountNow();
    return fromWord === fromApi ? undefined : `the account word read ${fromWord} bytes where stats().residentBytes says ${fromApi}${source === 'account' ? ': heap RSS samples are not the account' : ''}`;
  };
}

/** The heap series as the child reports it: with the account check's note, and no account figures when it failed. */
export function heapSeriesForResult(series: RssSeries, accountProblem: string | undefined): HeapRssSeries | undefined {
  const h = series.heap;
  if (h === undefined || accountProblem === undefined) return h;
  return {
    ...h,
    source: h.source === 'account' ? 'none' : h.source,
    note: `${h.note}; ${accountProblem}`,
    samples: h.samples.map(([t, m, d]) => [t, m, d, null]),
  };
}
