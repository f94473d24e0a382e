import { describe, expect, it } from 'vitest';
import { computeRatios, summarizeRuns, type AllocatorStatus, type BenchResults, type RunRecord } from '../../packages/lab/src/results.ts';
import { benchReport, renderMarkdown, renderText, throughputTable } from '../../packages/lab/src/table.ts';
import { targetFor } from '../../packages/lab/src/targets.ts';

function run(workload: string, allocator: string, rep: number, opsPerSec: number, rss = 100 << 20): RunRecord {
  return {
    workload,
    allocator,
    rep,
    ok: true,
    iterations: 1000,
    warmupIterations: 100,
    opsPerSec,
    elapsedMs: 1,
    wallMs: 100,
    rss: { intervalMs: 50, timed: { count: 3, mean: rss, p95: rss, max: rss }, samples: [[0, rss]] },
    maxRssBytes: rss,
  };
}

const statuses: AllocatorStatus[] = [
  { id: 'noop', description: '', status: 'ok' },
  { id: 'hakozuna', description: '', status: 'ok' },
  { id: 'tlsf', description: '', status: 'ok' },
  { id: 'glibc', description: '', status: 'skipped', note: 'no compiler' },
];

const runs: RunRecord[] = [
  run('random_mixed_small', 'noop', 0, 40e6),
  run('random_mixed_small', 'noop', 1, 44e6),
  run('random_mixed_small', 'noop', 2, 36e6),
  run('random_mixed_small', 'hakozuna', 0, 31e6),
  run('random_mixed_small', 'hakozuna', 1, 30e6),
  run('random_mixed_small', 'hakozuna', 2, 10e6),
  run('random_mixed_small', 'tlsf', 0, 20e6),
  { ...run('random_mixed_small', 'tlsf', 1, 0), ok: false, error: 'boom', opsPerSec: undefined },
  run('random_mixed_small', 'tlsf', 2, 10e6),
];

describe('summary and ratios', () => {
  const summary = summarizeRuns(runs, ['random_mixed_small'], statuses, () => 1000);
  it('medians, min-max, floor figures, failures and skips', () => {
    const noop = summary.find((s) => s.allocator === 'noop')!;
    expect(noop.opsPerSec).toEqual({ median: 40e6, min: 36e6, max: 44e6 });
    expect(noop.nsAboveFloor).toBe(0);
    const hz = summary.find((s) => s.allocator === 'hakozuna')!;
    expect(hz.opsPerSec!.median).toBe(30e6);
    expect(hz.nsAboveFloor).toBeCloseTo(1e9 / 30e6 - 1e9 / 40e6, 6);
    expect(hz.fractionOfFloor).toBeCloseTo(0.75, 9);
    const tlsf = summary.find((s) => s.allocator === 'tlsf')!;
    expect(tlsf.okRuns).toBe(2);
    expect(tlsf.failedRuns).toBe(1);
    expect(tlsf.opsPerSec!.median).toBe(15e6);
    expect(summary.find((s) => s.allocator === 'glibc')!.skipped).toBe('no compiler');
  });

  it('ratios of medians, marked against the targets', () => {
    const ratios = computeRatios(summary, (id) => id.startsWith('hakozuna'));
    expect(ratios.map((r) => r.denominator)).toEqual(['noop', 'tlsf']);
    expect(ratios[0]).toMatchObject({ ratio: 0.75, target: 0.75, met: true });
    expect(ratios[1]).toMatchObject({ ratio: 2, target: 1.8, met: true });
    expect(targetFor('tlsf', 'random_mixed_mixed')).toBe(2.5);
    expect(targetFor('thing', 'dist_app')).toBe(20);
    expect(targetFor('gc', 'dist_app')).toBeUndefined();
  });

  it('renders text and markdown tables', () => {
    const results = { summary, ratios: computeRatios(summary, (id) => id === 'hakozuna'), notes: ['x'] } as unknown as BenchResults;
    const t = throughputTable(results);
    const text = renderText(t);
    expect(text).toMatch(/random_mixed_small\s+noop\s+1k\s+40\.0\s+36\.0-44\.0\s+25\.0\s+0\.0\s+1\.00\s+100\.0/);
    expect(text).toContain('skipped');
    const md = renderMarkdown(t);
    expect(md.split('\n')[2]).toMatch(/^\| workload \| allocator \|/);
    const full = benchReport(results, (id) => id === 'hakozuna');
    expect(full).toContain('0.75 ok (>=0.75)');
    expect(full).toContain('2.00 ok (>=1.8)');
  });
});
