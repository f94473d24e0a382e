import { describe, expect, it } from 'vitest';
import { max, mean, median, min, nsAboveFloor, p95, quantile, summarize } from '../../packages/lab/src/stats-math.ts';
import { rssWindow } from '../../packages/lab/src/results.ts';

describe('lab stats math', () => {
  it('median of odd and even counts, input untouched', () => {
    const v = [5, 1, 4, 2, 3];
    expect(median(v)).toBe(3);
    expect(v).toEqual([5, 1, 4, 2, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([2, 2, 9])).toBe(2);
  });

  it('p95 is the nearest-rank value', () => {
    const v = Array.from({ length: 20 }, (_, i) => 20 - i); // 20..1
    expect(p95(v)).toBe(19); // rank ceil(0.95*20) = 19
    const h = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(p95(h)).toBe(95);
    expect(p95([3])).toBe(3);
    expect(p95([1, 2])).toBe(2); // rank ceil(1.9) = 2
    expect(quantile(h, 0)).toBe(1);
    expect(quantile(h, 1)).toBe(100);
    expect(quantile(h, 0.5)).toBe(50);
  });

  it('mean, min, max, summary', () => {
    expect(mean([1, 2, 3, 6])).toBe(3);
    expect(min([3, -1, 2])).toBe(-1);
    expect(max([3, -1, 2])).toBe(3);
    expect(summarize([])).toBeUndefined();
    expect(summarize([1, 2, 3, 4])).toEqual({ count: 4, mean: 2.5, median: 2.5, p95: 4, min: 1, max: 4 });
  });

  it('empty lists and bad quantiles throw', () => {
    expect(() => median([])).toThrow(RangeError);
    expect(() => p95([])).toThrow(RangeError);
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
  });

  it('ns/op above the floor', () => {
    // 40 M ops/s = 25 ns/op; 20 M ops/s = 50 ns/op -> 25 ns above the floor.
    expect(nsAboveFloor(20e6, 40e6)).toBeCloseTo(25, 9);
    expect(nsAboveFloor(40e6, 40e6)).toBe(0);
  });

  it('RSS window keeps the samples inside [from, to]', () => {
    const s: [number, number][] = [
      [0, 100],
      [50, 300],
      [100, 200],
      [150, 900],
    ];
    expect(rssWindow(s, 50, 100)).toEqual({ count: 2, mean: 250, p95: 300, max: 300 });
    expect(rssWindow(s)).toEqual({ count: 4, mean: 375, p95: 900, max: 900 });
    expect(rssWindow(s, 200, 300)).toBeUndefined();
  });
});
