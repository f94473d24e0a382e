/**
 * RSS time series of the current process, as BENCHMARKS.md asks: resident pages
 * from /proc/self/statm (x 4096) every `intervalMs` (default 50 ms).
 *
 * The sampler runs in its own worker thread so that it keeps sampling while the
 * main thread is inside a tight, synchronous benchmark loop (a timer on the main
 * thread would never fire). /proc/self/statm is process-wide, so a worker reads
 * the same figure as the main thread; one read on an open fd costs ~4 µs.
 * The worker itself adds a constant few MiB of RSS (its isolate), the same for
 * every JS allocator.
 *
 * Samples go into a SharedArrayBuffer: [count | t0, rss0, t1, rss1, ...], times in
 * ms since the sampler started. The main thread adds a sample of its own at each
 * phase mark, so even a run shorter than one interval has samples at its edges.
 * Where /proc/self/statm does not exist, process.memoryUsage.rss() is used.
 */
import { Worker } from 'node:worker_threads';
import { closeSync, openSync, readSync } from 'node:fs';

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

// The worker's source: plain JS (eval worker), the same reader as above.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { sab, intervalMs, origin, capacity } = workerData;
const head = new Int32Array(sab, 0, 2);
const data = new Float64Array(sab, 8, capacity * 2);
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
function sample() {
  if (Atomics.load(head, 1) !== 0) return;
  const rss = read();
  const i = Atomics.add(head, 0, 1);
  if (i < capacity) { data[2 * i] = performance.timeOrigin + performance.now() - origin; data[2 * i + 1] = rss; }
}
sample();
setInterval(sample, intervalMs);
parentPort.postMessage('ready');
`;

export interface RssSeries {
  readonly intervalMs: number;
  /** [ms since start, resident bytes], in time order. */
  readonly samples: [number, number][];
  /** Samples dropped because the buffer was full. */
  readonly dropped: number;
}

export interface RssSampler {
  /** ms since the sampler started. */
  now(): number;
  /** Take one sample on the calling thread now; returns its time. */
  sampleNow(): number;
  /** Stop the worker and return the series. */
  stop(): Promise<RssSeries>;
}

export async function startRssSampler(opts: { intervalMs?: number; capacity?: number } = {}): Promise<RssSampler> {
  const intervalMs = opts.intervalMs ?? 50;
  const capacity = opts.capacity ?? DEFAULT_CAPACITY;
  const origin = performance.timeOrigin + performance.now();
  const sab = new SharedArrayBuffer(8 + capacity * 16);
  const head = new Int32Array(sab, 0, 2);
  const data = new Float64Array(sab, 8, capacity * 2);
  const reader = makeRssReader();
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sab, intervalMs, origin, capacity } });
  worker.unref();
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  const now = (): number => performance.timeOrigin + performance.now() - origin;
  const sampleNow = (): number => {
    const rss = reader.read();
    const t = now();
    const i = Atomics.add(head, 0, 1);
    if (i < capacity) {
      data[2 * i] = t;
      data[2 * i + 1] = rss;
    }
    return t;
  };
  return {
    now,
    sampleNow,
    async stop(): Promise<RssSeries> {
      sampleNow();
      Atomics.store(head, 1, 1);
      await worker.terminate();
      reader.close();
      const count = Atomics.load(head, 0);
      const n = Math.min(count, capacity);
      const samples: [number, number][] = [];
      for (let i = 0; i < n; i++) samples.push([data[2 * i]!, data[2 * i + 1]!]);
      samples.sort((a, b) => a[0] - b[0]);
      return { intervalMs, samples, dropped: count - n };
    },
  };
}
