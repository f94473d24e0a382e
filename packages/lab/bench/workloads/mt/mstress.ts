/**
 * mstress: mimalloc's stress test as mimalloc-bench runs it (`mstress T 50 25`:
 * T threads, scale 50, 25 rounds), ported per BENCHMARKS.md.
 *
 * RNG: splitmix (bench/workloads/splitmix.ts); chance(p) = pick % 100 <= p.
 * Thread tid seeds (tid+1)*43, afresh every round.
 * Per thread: allocs = 100*scale*(tid % 8 + 1), retain = allocs/2. Loop while
 * allocs > 0 or retain > 0:
 *   if retain == 0 or (chance(50) and allocs > 0): data.push(alloc_items(1 << pick % 5)), allocs--
 *   else retained.push(alloc_items(1 << pick % 7)), retain--
 *   chance(66) (and data not empty): free data[pick % top], set it to null
 *   chance(25) (and data not empty): swap data[pick % top] with transfer[pick % 1000]
 *     (Atomics.exchange on a shared 1000-entry array: blocks migrate threads)
 * alloc_items(n): chance(1) -> n *= 10000 if chance(1), else 1000 if chance(10),
 *   else 100; n == 40 -> 41; allocate 8n bytes and write 64-bit word i =
 *   (n - i) ^ 0xbf58476d1ce4e5b9 (as two uint32 halves, little-endian).
 * free_items(p): read word 0 for n, check EVERY word (a mismatch throws with the
 *   block, the word and the values: the run fails), then free.
 * End of thread: free retained, then data.
 * Each round: the main thread runs tid 0 itself while T-1 NEW workers run tids
 * 1..T-1; then the main thread frees each transfer slot with chance(50) (every
 * slot on the last round) with its own RNG seeded 43*43 (kept across rounds).
 *
 * The `data` and `retained` pointer arrays are JS typed arrays (C allocates
 * them from the allocator under test). Metric: wall time (the sum of the
 * rounds, from the start word to the end of the transfer frees; starting the
 * round's threads is outside it, and each attaches inside it: in spawn mode a new
 * Worker, ~50 ms, that runs the loop cold; in the default pooled mode a worker
 * of the pool, warm from round 2 on) and RSS mean and peak; the rate column is allocations per
 * second of that wall time. Everything is freed, so hakozuna's bytesInUse must
 * return to its start value.
 */
import type { BenchAllocator } from '../../protocol.ts';
import type { MtMainContext, MtOutcome, MtWorkerContext, MtWorkloadSpec } from '../../mt-protocol.ts';
import { SplitMix } from '../splitmix.ts';
import { absNow, release, waitAtLeast } from './common.ts';

export const TRANSFERS = 1000;
export const COOKIE_LO = 0x1ce4e5b9;
export const COOKIE_HI = 0xbf58476d;
const START = 0;

export interface StressCounts {
  allocations: number;
  frees: number;
  bytes: number;
  words: number;
}

export class MstressCorruption extends Error {
  override name = 'MstressCorruption';
}

function newCounts(): StressCounts {
  return { allocations: 0, frees: 0, bytes: 0, words: 0 };
}

/** alloc_items: allocate n (scaled) 8-byte items and write each one's cookie. */
export function allocItems(alloc: BenchAllocator, u32: Uint32Array, items: number, r: SplitMix, c: StressCounts): number {
  let n = items;
  if (r.chance(1)) {
    if (r.chance(1)) n *= 10000;
    else if (r.chance(10)) n *= 1000;
    else n *= 100;
  }
  if (n === 40) n++;
  const p = alloc.malloc(n * 8);
  let w = p >>> 2;
  for (let i = 0; i < n; i++) {
    u32[w] = ((n - i) ^ COOKIE_LO) >>> 0;
    u32[w + 1] = COOKIE_HI;
    w += 2;
  }
  c.allocations++;
  c.bytes += n * 8;
  c.words += n;
  return p;
}

/** free_items: read n from word 0, check every word, free. Null does nothing. */
export function freeItems(alloc: BenchAllocator, u32: Uint32Array, p: number, c: StressCounts, where: string): void {
  if (p === 0) return;
  const w0 = p >>> 2;
  const n = (u32[w0]! ^ COOKIE_LO) >>> 0;
  if (u32[w0 + 1] !== COOKIE_HI || n === 0 || n > 640_000) {
    throw new MstressCorruption(`mstress: memory corruption in block ${p} (${where}): word 0 = 0x${hex(u32[w0 + 1]!)}${hex(u32[w0]!)} is no item count`);
  }
  let w = w0;
  for (let i = 0; i < n; i++) {
    if (u32[w] !== (((n - i) ^ COOKIE_LO) >>> 0) || u32[w + 1] !== COOKIE_HI) {
      throw new MstressCorruption(
        `mstress: memory corruption in block ${p} of ${n} items (${where}): word ${i} = 0x${hex(u32[w + 1]!)}${hex(u32[w]!)}, expected 0x${hex(COOKIE_HI)}${hex(((n - i) ^ COOKIE_LO) >>> 0)}`,
      );
    }
    w += 2;
  }
  alloc.free(p);
  c.frees++;
}

const hex = (x: number): string => x.toString(16).padStart(8, '0');

/** One thread's stress(tid). */
export function stress(alloc: BenchAllocator, u32: Uint32Array, tid: number, scale: number, transfer: Int32Array, where: string): StressCounts {
  const c = newCounts();
  const r = new SplitMix((tid + 1) * 43);
  let allocs = 100 * scale * ((tid % 8) + 1);
  let retain = Math.floor(allocs / 2);
  let data = new Uint32Array(100_000);
  let dataTop = 0;
  const retained = new Uint32Array(retain);
  let retainTop = 0;
  const at = `${where}, tid ${tid}`;
  while (allocs > 0 || retain > 0) {
    if (retain === 0 || (r.chance(50) && allocs > 0)) {
      allocs--;
      if (dataTop >= data.length) {
        const grown = new Uint32Array(data.length + 100_000);
        grown.set(data);
        data = grown;
      }
      const shift = r.pickMod(5);
      data[dataTop++] = allocItems(alloc, u32, 1 << shift, r, c);
    } else {
      const shift = r.pickMod(7);
      retained[retainTop++] = allocItems(alloc, u32, 1 << shift, r, c);
      retain--;
    }
    if (r.chance(66) && dataTop > 0) {
      const idx = r.pickMod(dataTop);
      freeItems(alloc, u32, data[idx]!, c, at);
      data[idx] = 0;
    }
    if (r.chance(25) && dataTop > 0) {
      const di = r.pickMod(dataTop);
      const ti = r.pickMod(TRANSFERS);
      const q = Atomics.exchange(transfer, ti, data[di]! | 0) >>> 0;
      data[di] = q;
    }
  }
  for (let i = 0; i < retainTop; i++) freeItems(alloc, u32, retained[i]!, c, at + ', retained');
  for (let i = 0; i < dataTop; i++) freeItems(alloc, u32, data[i]!, c, at + ', data');
  return c;
}

interface WorkerData {
  readonly tid: number;
  readonly round: number;
  readonly ctrl: SharedArrayBuffer;
  readonly transfer: SharedArrayBuffer;
}

async function worker(ctx: MtWorkerContext): Promise<StressCounts> {
  const d = ctx.data as WorkerData;
  const ctrl = new Int32Array(d.ctrl);
  ctx.ready();
  waitAtLeast(ctrl, START, d.round + 1);
  const sh = await ctx.attach();
  const c = stress(sh.alloc, sh.views.u32, d.tid, ctx.params.scale!, new Int32Array(d.transfer), `round ${d.round}`);
  sh.detach();
  return c;
}

async function main(ctx: MtMainContext): Promise<MtOutcome> {
  const T = ctx.threads;
  const p = ctx.params;
  const alloc = ctx.shared.alloc;
  const u32 = ctx.shared.views.u32;
  const ctrlSab = new SharedArrayBuffer(4);
  const ctrl = new Int32Array(ctrlSab);
  const transferSab = new SharedArrayBuffer(TRANSFERS * 4);
  const transfer = new Int32Array(transferSab);
  const rMain = new SplitMix(43 * 43);
  const total = newCounts();
  const add = (c: StressCounts): void => {
    total.allocations += c.allocations;
    total.frees += c.frees;
    total.bytes += c.bytes;
    total.words += c.words;
  };
  const rounds = p.rounds!;
  const roundMs: number[] = [];
  for (let n = 0; n < rounds; n++) {
    const workers = Array.from({ length: T - 1 }, (_, i) => ctx.spawn({ tid: i + 1, round: n, ctrl: ctrlSab, transfer: transferSab } satisfies WorkerData));
    await Promise.all(workers.map((w) => w.ready));
    if (n === 0) ctx.markTimed();
    const t0 = absNow();
    release(ctrl, START, n + 1);
    add(stress(alloc, u32, 0, p.scale!, transfer, `round ${n}`));
    for (const c of await Promise.all(workers.map((w) => w.done))) add(c as StressCounts);
    for (let i = 0; i < TRANSFERS; i++) {
      if (rMain.chance(50) || n + 1 === rounds) {
        const q = Atomics.exchange(transfer, i, 0) >>> 0;
        freeItems(alloc, u32, q, total, `round ${n}, transfer ${i}`);
      }
    }
    roundMs.push(absNow() - t0);
  }
  ctx.markEnd();
  const wallMs = roundMs.reduce((a, b) => a + b, 0);
  if (total.allocations !== total.frees) {
    throw new Error(`mstress: ${total.allocations} allocations but ${total.frees} frees: blocks were lost`);
  }
  return {
    rate: total.allocations / (wallMs / 1000),
    elapsedMs: wallMs,
    metrics: { wallMs, allocations: total.allocations, frees: total.frees, bytesAllocated: total.bytes, wordsChecked: total.words, rounds, threadsStarted: rounds * (T - 1) },
    series: { roundMs },
    freedEverything: true,
  };
}

export const mstressSpec: MtWorkloadSpec = {
  name: 'mstress',
  kind: 'workers',
  description: 'mimalloc stress (mstress T scale rounds): splitmix RNG, blocks written and checked word by word, 1000-slot transfer array with atomic swaps',
  metric: 'allocations/s (wall time)',
  params: { scale: 50, rounds: 25, transfers: TRANSFERS, seedMul: 43 },
  quickParams: { scale: 5, rounds: 3 },
  defaultThreads: [2],
  poolSize: (threads) => threads - 1, // tid 0 runs on the main thread
  nativePort: 'bench/native/mt.c',
  extraAllocators: ['hakozuna@mem', 'hakozuna@s55-3b'],
  noNoop: 'blocks hold the data the workload checks on free: a fake pointer cannot run it',
  noSlowPeers:
    "thing's frees walk its used list (O(live blocks)): one run takes ~23 s (wall time ~20x hakozuna's); run it with --allocators thing --workloads mstress",
  main,
  worker,
};
