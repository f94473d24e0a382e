/**
 * The few statistics the lab reports. Pure functions over plain number arrays;
 * none of them mutates its input.
 *
 * Quantiles use the nearest-rank method (the value at rank ceil(q*n), 1-based):
 * p95 of 20 samples is the 19th smallest, always a value that was observed.
 * The median of an even count is the mean of the two middle values.
 */

export interface Summary {
  readonly count: number;
  readonly mean: number;
  readonly median: number;
  readonly p95: number;
  readonly min: number;
  readonly max: number;
}

function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

function requireSome(values: readonly number[], what: string): void {
  if (values.length === 0) throw new RangeError(`${what} of an empty list`);
}

export function mean(values: readonly number[]): number {
  requireSome(values, 'mean');
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

export function median(values: readonly number[]): number {
  requireSome(values, 'median');
  const s = sorted(values);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank quantile, `q` in [0, 1]: q=0 is the minimum, q=1 the maximum. */
export function quantile(values: readonly number[], q: number): number {
  requireSome(values, 'quantile');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is outside [0, 1]`);
  const s = sorted(values);
  const rank = Math.max(1, Math.ceil(q * s.length));
  return s[rank - 1]!;
}

export function p95(values: readonly number[]): number {
  return quantile(values, 0.95);
}

export function min(values: readonly number[]): number {
  requireSome(values, 'min');
  let m = Infinity;
  for (const v of values) if (v < m) m = v;
  return m;
}

export function max(values: readonly number[]): number {
  requireSome(values, 'max');
  let m = -Infinity;
  for (const v of values) if (v > m) m = v;
  return m;
}

/** Every figure at once; `undefined` for an empty list. */
export function summarize(values: readonly number[]): Summary | undefined {
  if (values.length === 0) return undefined;
  return {
    count: values.length,
    mean: mean(values),
    median: median(values),
    p95: p95(values),
    min: min(values),
    max: max(values),
  };
}

/**
 * Cost per operation above a floor, in ns: 1e9/ops - 1e9/floorOps.
 * (Each allocator's own cost once the loop's cost is taken away.)
 */
export function nsAboveFloor(opsPerSec: number, floorOpsPerSec: number): number {
  return 1e9 / opsPerSec - 1e9 / floorOpsPerSec;
}
