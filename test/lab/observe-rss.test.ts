/**
 * hakozuna observe rss: the verdict on synthetic lines (largest cause beyond
 * live data, the lever, the mean preferred over the exit line), the S56 verdict
 * weighed by the share of resident bytes, and the command on a workload.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rssVerdict } from '../../packages/lab/src/observe-rss.ts';
import { mediumWasteVerdict, sumBreakdowns } from '../../packages/lab/src/observe.ts';
import { ROOT } from '../../scripts/lane-build.mjs';

const line = (tag: string, v: Record<string, number>): string =>
  `[${tag}] ${Object.entries(v).map(([k, x]) => `${k}=${x}`).join(' ')}`;
const parts = (over: Record<string, number>): Record<string, number> => {
  const p = { live: 0, waste_small: 0, waste_medium: 0, waste_large: 0, tcache: 0, central: 0, remote: 0, seg_free: 0, meta: 0, ...over };
  return { ...p, resident: Object.values(p).reduce((s, x) => s + x, 0) };
};

describe('RSS verdict', () => {
  it('names the largest cause beyond live data and its lever, from the mean line', () => {
    const exit = line('HZ3_RSS_BREAKDOWN', parts({ live: 100, tcache: 900 })); // at exit the caches dominate...
    const mean = line('HZ3_RSS_BREAKDOWN_MEAN', { samples: 4, ...parts({ live: 5000, seg_free: 3000, tcache: 1000, meta: 1000 }) }); // ...over the run, free pages
    const v = rssVerdict([exit, mean]);
    expect(v.basis).toBe('mean');
    expect(v.largest).toBe('seg_free');
    expect(v.line).toBe(
      '[HZ3_RSS_VERDICT] basis=mean resident=10000 live_pct=50.00 largest=seg_free bytes=3000 share_of_resident=30.00 -> free pages not yet released: the decay purge (mem lane; HZ3_DECAY_MS), or trim()',
    );
    expect(rssVerdict([exit]).largest).toBe('tcache'); // no samples: the exit line
    expect(rssVerdict([line('HZ3_RSS_BREAKDOWN', parts({ live: 10, waste_medium: 50 }))]).line).toMatch(/largest=waste_medium .* -> finer medium classes: S57/);
    expect(rssVerdict(['[HZ3_S49_PACK] hit=1']).basis).toBe('none');
  });

  it('sums several runs, each by its mean line where it has one', () => {
    const a = [line('HZ3_RSS_BREAKDOWN', parts({ live: 1 })), line('HZ3_RSS_BREAKDOWN_MEAN', { samples: 2, ...parts({ live: 10, meta: 10 }) })];
    const b = [line('HZ3_RSS_BREAKDOWN', parts({ live: 5, central: 7 }))];
    expect(sumBreakdowns([...a, ...b])).toMatchObject({ live: 15, meta: 10, central: 7, resident: 32 });
  });
});

describe('S56 verdict weighed by the share of resident bytes', () => {
  const obs = '[HZ3_MEDIUM_WASTE_OBS] req=8000 alloc=10000 waste=2000 waste_pct=20.00';
  it('says S57 alone cannot move the gate when live medium waste is a small share of resident', () => {
    const v = mediumWasteVerdict([obs, line('HZ3_RSS_BREAKDOWN', parts({ live: 9000, waste_medium: 500, meta: 500 }))]);
    expect(v.shareOfResident).toBeCloseTo(5, 6);
    expect(v.line).toBe(
      '[HZ3_S56_VERDICT] waste_pct=20.00 share_of_resident=5.00 -> medium requests waste > 10% of their bytes, but live medium waste is only 5.00% of heap resident bytes: S57 alone cannot move a -10% heap RSS gate',
    );
  });
  it('says S57 is worth building when the share can move the gate', () => {
    const v = mediumWasteVerdict([obs, line('HZ3_RSS_BREAKDOWN', parts({ live: 6000, waste_medium: 4000 }))]);
    expect(v.line).toMatch(/share_of_resident=40\.00 -> medium class granularity .* next, finer medium classes \(S57\) \(live medium waste is 40\.00% of heap resident bytes: enough to move a -10% gate\)$/);
  });
});

describe('hakozuna observe rss', () => {
  it('runs a workload in the research lane and prints the breakdown and the verdict', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'packages', 'lab', 'bin', 'hakozuna.js'), 'observe', 'rss', '--bench', 'random_mixed_mixed', '--quick', '--out', join(ROOT, 'bench', 'out', 'test-observe-rss')], {
      encoding: 'utf8',
      cwd: ROOT,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\[HZ3_RSS_BREAKDOWN\] live=\d+ waste_small=\d+ waste_medium=\d+ waste_large=\d+ tcache=\d+ central=\d+ remote=\d+ seg_free=\d+ meta=\d+ resident=\d+$/m);
    expect(r.stdout).toMatch(/^\[HZ3_RSS_VERDICT\] basis=(mean|exit) resident=\d+ live_pct=[\d.]+ largest=\w+ bytes=\d+ share_of_resident=[\d.]+ -> .+$/m);
    const m = /^\[HZ3_RSS_BREAKDOWN\] (.*)$/m.exec(r.stdout)!;
    const v = Object.fromEntries(m[1]!.split(' ').map((kv) => kv.split('=')).map(([k, x]) => [k, Number(x)]));
    const { resident, ...rest } = v;
    expect(Object.values(rest).reduce((s: number, x) => s + (x as number), 0)).toBe(resident); // the parts add up, at exit
  });
});

describe('the RSS breakdown over time in results and the report', () => {
  it('carries the research lane\'s epoch samples into results.json and draws them stacked', () => {
    const out = join(ROOT, 'bench', 'out', 'test-breakdown-series');
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'packages', 'lab', 'bin', 'hakozuna.js'), 'bench', '--workloads', 'mixed', '--iterations', '3000000', '--warmup', '50000', '--allocators', 'hakozuna@research', '--reps', '1', '--out', out],
      { encoding: 'utf8', cwd: ROOT },
    );
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { runs: { rssBreakdown?: { keys: string[]; samples: number[][] } }[] };
    const bd = results.runs[0]!.rssBreakdown!;
    expect(bd.keys).toEqual(['live', 'waste_small', 'waste_medium', 'waste_large', 'tcache', 'central', 'remote', 'seg_free', 'meta']);
    expect(bd.samples.length).toBeGreaterThan(0);
    for (const s of bd.samples) {
      expect(s).toHaveLength(1 + bd.keys.length);
      expect(s[0]).toBeGreaterThan(0); // ms since the child's sampler started
      expect(s.slice(1).every((x) => x >= 0)).toBe(true);
    }
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/class="chart line-chart breakdown-chart"[^>]*data-allocator="hakozuna@research"/);
    expect(html).toContain('RSS breakdown over time, hakozuna@research');
  });
});
