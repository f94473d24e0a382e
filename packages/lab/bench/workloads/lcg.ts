/**
 * The workloads' RNG (BENCHMARKS.md): 32-bit LCG
 * `x = x*1664525 + 1013904223 mod 2^32`, seed 0x12345678.
 *
 * The hot loops inline this expression themselves; these helpers are the
 * reference the tests compare against, and document the two idioms:
 * - `Math.imul(x, A) + C` is exact in doubles (|imul| < 2^31, C < 2^30) and
 *   `>>> 0` reduces it mod 2^32;
 * - `x - Math.floor(x / m) * m` is `x % m` for a uint32 x: in Node 20 `%` on a
 *   uint32 compiles to a slow floating-point call that doubles the loop's cost.
 */
export const LCG_SEED = 0x12345678;
export const LCG_A = 1664525;
export const LCG_C = 1013904223;

export function lcgNext(x: number): number {
  return (Math.imul(x, LCG_A) + LCG_C) >>> 0;
}

/** `x % m` for uint32 x and positive m, without the `%` operator. */
export function umod(x: number, m: number): number {
  return x - Math.floor(x / m) * m;
}
