/**
 * The RSS breakdown: for fixed allocation sequences the parts are what a hand
 * count gives, and they add up to `resident` exactly (research lane, where
 * requested bytes are counted).
 */
import { describe, expect, it } from 'vitest';
import { laneBundle } from '../helpers/lanes.ts';
import type { RssBreakdown } from '../../src/index.ts';

const PARTS = ['live', 'waste_small', 'waste_medium', 'waste_large', 'tcache', 'central', 'remote', 'seg_free', 'meta'] as const;
const sum = (b: Pick<RssBreakdown, (typeof PARTS)[number]>): number => PARTS.reduce((s, k) => s + b[k], 0);

describe('RSS breakdown', () => {
  it('matches a hand count for small, medium and large blocks, and the parts add up to resident', async () => {
    const { lib } = await laneBundle('research');
    const h = lib.createHeap({ maxBytes: 32 << 20 });
    const meta = h.rssBreakdown().meta;
    expect(meta).toBeGreaterThan(0);
    // 10 x 100 B: class 112 B; the first carve of a class is one page of floor(4096 / 112) = 36 blocks.
    const small = Array.from({ length: 10 }, () => h.malloc(100));
    // 3 x 5000 B: class 8 KiB (runs of 2 pages); carves of 1, then 2 runs.
    const medium = Array.from({ length: 3 }, () => h.malloc(5000));
    // 100 000 B: a large run of 25 pages.
    const large = h.malloc(100_000);
    let b = h.rssBreakdown();
    expect(b.requestsObserved).toBe(true);
    expect(b.live).toBe(10 * 100 + 3 * 5000 + 100_000);
    expect(b.waste_small).toBe(10 * (112 - 100) + (4096 - 36 * 112)); // rounding, and the page's unused tail
    expect(b.waste_medium).toBe(3 * (8192 - 5000));
    expect(b.waste_large).toBe(25 * 4096 - 100_000);
    expect(b.tcache).toBe(26 * 112);
    expect(b.central + b.remote + b.seg_free).toBe(0);
    expect(b.resident).toBe(b.meta + (1 + 3 * 2 + 25) * 4096);
    expect(sum(b)).toBe(b.resident);
    // Freeing moves bytes between parts, never out of the total while the pages stay resident.
    h.free(medium[0]!);
    h.free(large);
    b = h.rssBreakdown();
    expect(b.live).toBe(10 * 100 + 2 * 5000);
    expect(b.waste_medium).toBe(2 * (8192 - 5000));
    expect(b.waste_large).toBe(0);
    expect(b.tcache).toBe(26 * 112 + 8192);
    expect(b.seg_free).toBe(25 * 4096);
    expect(sum(b)).toBe(b.resident);
    // trim() releases the free pages: seg_free goes, and resident with it.
    h.trim();
    b = h.rssBreakdown();
    expect(b.seg_free).toBe(0);
    expect(b.tcache).toBe(0);
    expect(b.central).toBe(26 * 112); // the small page still holds live blocks: its free ones wait in central
    expect(sum(b)).toBe(b.resident);
    for (const p of [...small, ...medium.slice(1)]) h.free(p);
    expect(h.report().lines.find((l) => l.startsWith('[HZ3_RSS_BREAKDOWN]'))).toMatch(
      /^\[HZ3_RSS_BREAKDOWN\] live=\d+ waste_small=\d+ waste_medium=\d+ waste_large=\d+ tcache=\d+ central=\d+ remote=\d+ seg_free=\d+ meta=\d+ resident=\d+$/,
    );
  });

  it('counts another thread\'s frees on their way home as remote, and estimates mixed requests per class', async () => {
    const { lib } = await laneBundle('research');
    const h = lib.createHeap({ maxBytes: 32 << 20 });
    const other = lib.attachHeap(h.handle);
    // 97..112 B all land in the 112 B class: the estimate uses the class's mean request.
    const ps = [97, 112, 100, 103].map((n) => h.malloc(n));
    for (const p of ps) other.free(p); // other's remote ring: not in any cache yet
    const b = h.rssBreakdown();
    expect(b.remote).toBe(4 * 112);
    expect(b.live).toBe(0);
    expect(sum(b)).toBe(b.resident);
    const q = [101, 111].map((n) => h.malloc(n));
    const c = h.rssBreakdown();
    // Requested so far in the class: 97 + 112 + 100 + 103 + 101 + 111 = 624 over 6 blocks of 112 B.
    expect(c.live).toBe(Math.round(2 * 112 * (624 / (6 * 112))));
    expect(sum(c)).toBe(c.resident);
    for (const p of q) h.free(p);
    other.detach();
  });
});

describe('the mean over epochs', () => {
  it('samples the breakdown at each epoch and prints the mean beside the line at exit', async () => {
    const { lib } = await laneBundle('research');
    const h = lib.createHeap({ maxBytes: 16 << 20 });
    const p = h.malloc(100_000); // 25 pages live during the first sample
    h.maintain();
    h.free(p);
    h.maintain(); // the second sample sees them free in their segment
    const lines = h.report().lines;
    const mean = lines.find((l) => l.startsWith('[HZ3_RSS_BREAKDOWN_MEAN]'));
    const m = /^\[HZ3_RSS_BREAKDOWN_MEAN\] samples=(\d+) live=(\d+) .* seg_free=(\d+) meta=\d+ resident=\d+$/.exec(mean ?? '');
    expect(m, mean).not.toBeNull();
    const samples = Number(m![1]);
    expect(samples).toBeGreaterThanOrEqual(2); // maintain() twice, and the 50 ms timer epoch may add some
    // Each sample saw 100 000 live bytes or none: the mean lies between.
    expect(Number(m![2])).toBeGreaterThan(0);
    expect(Number(m![2])).toBeLessThan(100_000);
    expect(Number(m![3])).toBeGreaterThan(0);
    // The same samples over time, oldest first, each adding up.
    const series = h.rssBreakdownSamples();
    expect(series.length).toBe(samples);
    for (let i = 1; i < series.length; i++) expect(series[i]!.atMs).toBeGreaterThanOrEqual(series[i - 1]!.atMs);
    for (const x of series) expect(sum(x)).toBe(x.resident);
    expect(series.some((x) => x.live >= 100_000)).toBe(true);
    expect(series.at(-1)!.live).toBe(0);
  });
});

describe('rssBreakdownOf(handle)', () => {
  it('reads a heap another thread owns without taking a slot, and refuses what is not a heap', async () => {
    const { lib } = await laneBundle('research');
    const h = lib.createHeap({ maxBytes: 16 << 20 });
    const p = h.malloc(100);
    const seen = lib.rssBreakdownOf(h.handle);
    expect(seen).toEqual(h.rssBreakdown());
    expect(h.stats().threads).toBe(1);
    expect(() => lib.rssBreakdownOf({ buffer: new SharedArrayBuffer(16) } as never)).toThrow(/EHANDLE: rssBreakdownOf: the handle's buffer has 16 bytes/);
    h.free(p);
  });
});

describe('with S57 finer medium classes', () => {
  it('counts the unused tails of multi-object medium runs, so the parts still add up', async () => {
    const { lib } = await laneBundle('s57-rss', { HZ3_S57_MEDIUM_FINE_CLASSES: 1, HZ3_RSS_BREAKDOWN_OBSERVE: 1 });
    const h = lib.createHeap({ maxBytes: 32 << 20 });
    const ps = [2400, 2600, 5000, 9000, 20_000, 30_000].flatMap((n) => Array.from({ length: 5 }, () => h.malloc(n)));
    const b = h.rssBreakdown();
    expect(b.waste_medium).toBeGreaterThan(0);
    expect(sum(b)).toBe(b.resident);
    for (const p of ps) h.free(p);
    expect(sum(h.rssBreakdown())).toBe(h.rssBreakdown().resident);
  });
});
