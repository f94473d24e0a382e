/**
 * The model-based random test's engine (test/heap/model.test.ts, and the S57 lane in
 * test/lanes/s57.test.ts): long seeded sequences of malloc / calloc / realloc / free /
 * alignedAlloc against a model of the live blocks, over any build of the
 * library. Every live block is filled with a pattern derived from its pointer
 * and checked before it is freed or resized; live blocks never overlap;
 * usableSize >= requested; stats() and heap.check() agree with the model.
 */
import { expect } from 'vitest';
import type { Heap } from '../../src/index.ts';

type Lib = Pick<typeof import('../../src/index.ts'), 'createHeap'>;

export class Rng {
  constructor(private x: number) {}
  next(): number {
    // xorshift32
    let x = this.x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.x = x >>> 0;
    return this.x;
  }
  below(n: number): number {
    return this.next() % n;
  }
}

interface Block {
  size: number;
  usable: number;
  stamp: number;
}

const stampOf = (p: number, gen: number): number => (Math.imul(p ^ 0x9e3779b9, 0x85ebca6b) ^ gen) >>> 0;

function fill(h: Heap, p: number, size: number, stamp: number): void {
  const words = size >>> 2;
  if (words > 0) h.u32.fill(stamp, p >>> 2, (p >>> 2) + words);
  for (let i = words * 4; i < size; i++) h.u8[p + i] = stampByte(stamp, i);
}

/** Byte i of the pattern: the little-endian bytes of the stamp word, so any prefix checks alike. */
const stampByte = (stamp: number, i: number): number => (stamp >>> ((i & 3) * 8)) & 0xff;

function check(h: Heap, p: number, size: number, stamp: number): void {
  const u32 = h.u32;
  const base = p >>> 2;
  const words = size >>> 2;
  for (let i = 0; i < words; i++) {
    if (u32[base + i] !== stamp) throw new Error(`block ${p} (size ${size}) word ${i} is ${u32[base + i]}, expected ${stamp}`);
  }
  for (let i = words * 4; i < size; i++) {
    if (h.u8[p + i] !== stampByte(stamp, i)) throw new Error(`block ${p} byte ${i} corrupted`);
  }
}

/** The default draw: 70% tiny, 20% small, 9% medium, 1% large. */
export function drawSize(r: Rng): number {
  const b = r.below(1000);
  if (b < 700) return r.below(257); // small, mostly tiny
  if (b < 900) return 257 + r.below(1792); // small up to 2048
  if (b < 990) return 2049 + r.below(30720); // medium
  return 32769 + r.below(400_000); // large (some above 256 KiB)
}

/** A draw for heaps of a few MiB: mostly small, a few medium and large blocks (up to 100 KB over 32 KiB). */
export function drawSizeSmallHeap(r: Rng): number {
  const b = r.below(1000);
  if (b < 800) return r.below(257);
  if (b < 950) return 257 + r.below(1792);
  if (b < 995) return 2049 + r.below(30720);
  return 32769 + r.below(100_000);
}

/**
 * Random calls checked against a model of the live blocks. With a small heap,
 * pass `onExhausted: 'null'` in `heapOptions`: a full heap's 0 then counts in
 * `fulls` and the model goes on (a failed realloc keeps its block). Alignments
 * go up to `1 << maxAlignShift` (a region off a MiB boundary refuses the
 * largest ones for blocks that would not fit a segment after the lead).
 */
export function runModel(
  lib: Lib,
  seed: number,
  ops: number,
  draw: (r: Rng) => number = drawSize,
  heapOptions: Parameters<Lib['createHeap']>[0] = { maxBytes: 512 << 20 },
  maxAlignShift = 20,
): { ops: number; maxLive: number; fulls: number } {
  const h = lib.createHeap(heapOptions);
  let fulls = 0;
  const r = new Rng(seed);
  const live = new Map<number, Block>();
  const keys: number[] = [];
  let gen = 1;
  let maxLive = 0;

  const add = (p: number, size: number, zeroed: boolean): void => {
    if (p === 0) {
      fulls++;
      return;
    }
    expect(p % 16).toBe(0);
    expect(live.has(p)).toBe(false);
    const usable = h.usableSize(p);
    if (usable < size) throw new Error(`usableSize ${usable} < requested ${size}`);
    if (zeroed) for (let i = 0; i < size; i++) if (h.u8[p + i] !== 0) throw new Error(`calloc block ${p} byte ${i} not zero`);
    const stamp = stampOf(p, gen++);
    fill(h, p, size, stamp);
    live.set(p, { size, usable, stamp });
    keys.push(p);
  };
  const takeRandom = (): number => {
    const i = r.below(keys.length);
    const p = keys[i];
    keys[i] = keys[keys.length - 1];
    keys.pop();
    return p;
  };

  for (let op = 0; op < ops; op++) {
    const bias = live.size > 3000 ? 600 : live.size < 50 ? 100 : 450; // keep the live set bounded
    const k = r.below(1000);
    if (k < bias && keys.length > 0) {
      const p = takeRandom();
      const b = live.get(p)!;
      check(h, p, b.size, b.stamp);
      live.delete(p);
      h.free(p);
    } else if (k < bias + 60 && keys.length > 0) {
      const p = takeRandom();
      const b = live.get(p)!;
      check(h, p, b.size, b.stamp);
      const size = draw(r);
      const q = h.realloc(p, size);
      if (q === 0) {
        fulls++; // the heap is full: the block stays as it was
        check(h, p, b.size, b.stamp);
        keys.push(p);
        continue;
      }
      live.delete(p);
      const kept = Math.min(size, b.size);
      check(h, q, kept, b.stamp); // contents survive the move
      add(q, size, false);
    } else if (k < bias + 120) {
      const n = 1 + r.below(8);
      const size = draw(r) >>> 3;
      add(h.calloc(n, size), n * size, true);
    } else if (k < bias + 150) {
      const alignment = 1 << r.below(maxAlignShift + 1);
      const size = draw(r);
      const p = h.alignedAlloc(alignment, size);
      expect(p % alignment).toBe(0);
      add(p, size, false);
    } else {
      const size = draw(r);
      add(h.malloc(size), size, false);
    }
    if (live.size > maxLive) maxLive = live.size;
    if (op % 20_000 === 0) verify(h, live);
  }
  verify(h, live);
  for (const p of keys) {
    const b = live.get(p)!;
    check(h, p, b.size, b.stamp);
    h.free(p);
  }
  expect(h.stats().bytesInUse).toBe(0);
  return { ops, maxLive, fulls };
}

function verify(h: Heap, live: Map<number, Block>): void {
  const sorted = [...live.entries()].sort((x, y) => x[0] - y[0]);
  let usable = 0;
  for (let i = 0; i < sorted.length; i++) {
    const [p, b] = sorted[i];
    usable += b.usable;
    if (i + 1 < sorted.length && p + b.usable > sorted[i + 1][0]) {
      throw new Error(`blocks overlap: ${p}+${b.usable} > ${sorted[i + 1][0]}`);
    }
  }
  expect(h.stats().bytesInUse).toBe(usable);
  const c = h.check();
  expect(c.problems).toEqual([]);
  expect(c.liveBytes + h.stats().largeBytes).toBe(usable);
}
