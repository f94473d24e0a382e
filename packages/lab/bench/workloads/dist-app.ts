/**
 * dist_app: an application-like size mix, single thread (BENCHMARKS.md).
 *
 * The random_mixed loop (r = next() picks the slot; a full slot is freed), but
 * an empty slot's size comes from further draws, made only when allocating:
 * b = next() % 100; b < 80 -> 16..256, b < 95 -> 257..2048, else 2049..32768,
 * uniform by one more draw. No memory is touched; what is left is freed at the end.
 * Like random_mixed, the loop does not test malloc's result (allocators throw).
 */
import type { BenchAllocator } from '../protocol.ts';

export const DIST_APP_CLASSES = [
  { below: 80, min: 16, max: 256 },
  { below: 95, min: 257, max: 2048 },
  { below: 100, min: 2049, max: 32768 },
] as const;

export function distApp(alloc: BenchAllocator, iterations: number, seed = 0x12345678): void {
  // ws = RANDOM_MIXED_WS = 400, written as a literal (see random-mixed.ts).
  const slots = new Uint32Array(400);
  let x = seed >>> 0;
  for (let i = 0; i < iterations; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const slot = x - Math.floor(x / 400) * 400;
    const p = slots[slot]!;
    if (p !== 0) {
      alloc.free(p);
      slots[slot] = 0;
    } else {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      const b = x - Math.floor(x / 100) * 100;
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      let size: number;
      if (b < 80) size = 16 + (x - Math.floor(x / 241) * 241);
      else if (b < 95) size = 257 + (x - Math.floor(x / 1792) * 1792);
      else size = 2049 + (x - Math.floor(x / 30720) * 30720);
      slots[slot] = alloc.malloc(size);
    }
  }
  for (let s = 0; s < 400; s++) {
    const p = slots[s]!;
    if (p !== 0) alloc.free(p);
  }
}
