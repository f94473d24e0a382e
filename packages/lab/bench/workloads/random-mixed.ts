/**
 * random_mixed: hz3's SSOT bench, single thread (BENCHMARKS.md).
 *
 * `ws` slots. Each iteration: r = next(); slot = r % ws; a full slot is freed,
 * an empty one gets `min + r % (max - min + 1)` bytes. The same r picks slot and
 * size. No memory is touched. What is left is freed at the end (not counted as
 * operations: ops = iterations).
 *
 * The loop does not test malloc's result: that test measured ~6% of hakozuna's
 * ops/s on small. An allocator must throw when it runs out (hakozuna's default
 * onExhausted 'throw', TLSF's abort, V8's RangeError); an adapter over one
 * that returns 0 wraps it with {@link checked}.
 */
import type { BenchAllocator } from '../protocol.ts';

export const RANDOM_MIXED_WS = 400;

export function randomMixed(alloc: BenchAllocator, iterations: number, min: number, max: number, seed = 0x12345678): void {
  // ws is the literal 400 (= RANDOM_MIXED_WS) inside the loop: a division by a
  // constant compiles to a multiply, as it does in the C version.
  const slots = new Uint32Array(400);
  const span = max - min + 1;
  let x = seed >>> 0;
  for (let i = 0; i < iterations; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const slot = x - Math.floor(x / 400) * 400;
    const p = slots[slot]!;
    if (p !== 0) {
      alloc.free(p);
      slots[slot] = 0;
    } else {
      slots[slot] = alloc.malloc(min + (x - Math.floor(x / span) * span));
    }
  }
  for (let s = 0; s < 400; s++) {
    const p = slots[s]!;
    if (p !== 0) alloc.free(p);
  }
}

/** Wraps a malloc that returns 0 when out of memory into one that throws. */
export function checked(malloc: (size: number) => number): (size: number) => number {
  return (size: number): number => {
    const p = malloc(size);
    if (p === 0) throw new Error(`malloc(${size}) returned 0 (out of memory)`);
    return p;
  };
}
