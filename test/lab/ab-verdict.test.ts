/**
 * The A/B gate on synthetic inputs (packages/lab/src/verdict.ts), the `ab` section built
 * from a results JSON (packages/lab/src/ab-model.ts), including a workload the harness
 * does not know (metric 'seconds'), and the progress line.
 */
import { describe, expect, it } from 'vitest';
import { abDecision, abVerdict, fmtChange, type AbPairInput } from '../../packages/lab/src/verdict.ts';
import { abSectionFrom, abVerdictTable } from '../../packages/lab/src/ab-model.ts';
import type { BenchResults, RunRecord } from '../../packages/lab/src/results.ts';
import { runReleaseCallsPerSec, workloadMetric } from '../../packages/lab/src/run-metrics.ts';
import { extractOneShotLines } from '../../packages/lab/src/one-shot.ts';
import { fmtDuration, Progress } from '../../packages/lab/src/progress.ts';
import { renderText } from '../../packages/lab/src/table.ts';

const MiB = 1 << 20;
/** n identical pairs: A at 100 ops/s and 100 MiB, B at the given ratios. */
function pairs(n: number, speedRatio: number, rssRatio: number | undefined, extra: Partial<AbPairInput['b']> = {}): AbPairInput[] {
  return Array.from({ length: n }, () => ({
    a: { speed: 100e6, rssMean: 100 * MiB, releaseCallsPerSec: 0 },
    b: { speed: 100e6 * speedRatio, ...(rssRatio !== undefined ? { rssMean: 100 * MiB * rssRatio } : {}), ...extra },
  }));
}

describe('abVerdict (pure)', () => {
  it('GO: RSS -15%, speed -1%', () => {
    const v = abVerdict(pairs(3, 0.99, 0.85, { releaseCallsPerSec: 120 }));
    expect(v.verdict).toBe('GO');
    expect(v.failed).toEqual([]);
    expect(v.speedRatio).toBeCloseTo(0.99, 12);
    expect(v.rssRatio).toBeCloseTo(0.85, 12);
    expect(v.releaseCallsPerSec).toEqual({ a: 0, b: 120 });
    expect(v.pairs).toHaveLength(3);
    expect(v.reasons[0]).toMatch(/mean RSS -15\.0%.*speed -1\.0%.*release calls\/s A 0, B 120/);
  });

  it('NO-GO by RSS only, with the shortfall', () => {
    const v = abVerdict(pairs(3, 1.01, 0.95));
    expect(v.verdict).toBe('NO-GO');
    expect(v.failed).toEqual(['rss']);
    expect(v.reasons).toHaveLength(1);
    expect(v.reasons[0]).toMatch(/^RSS: mean RSS -5\.0% .*needs -10\.0% or better: short by 5\.0 points/);
  });

  it('NO-GO by speed only', () => {
    const v = abVerdict(pairs(3, 0.95, 0.8));
    expect(v.failed).toEqual(['speed']);
    expect(v.reasons[0]).toMatch(/^speed: -5\.0% .*needs -2\.0% or better: short by 3\.0 points/);
  });

  it('NO-GO by both', () => {
    const v = abVerdict(pairs(3, 0.9, 1.02));
    expect(v.verdict).toBe('NO-GO');
    expect(v.failed).toEqual(['rss', 'speed']);
    expect(v.reasons).toHaveLength(2);
  });

  it('exactly -10% RSS and exactly -2% speed pass; a hair worse does not', () => {
    // 0.9 and 0.98 as they come out of real divisions (63/70, 49/50), with float error.
    const exact = [{ a: { speed: 50, rssMean: 70 }, b: { speed: 49, rssMean: 63 } }];
    expect(abVerdict(exact).verdict).toBe('GO');
    expect(abVerdict(pairs(1, 0.98, 0.9)).verdict).toBe('GO');
    expect(abVerdict(pairs(1, 0.9799, 0.9)).failed).toEqual(['speed']);
    expect(abVerdict(pairs(1, 0.98, 0.9001)).failed).toEqual(['rss']);
  });

  it('medians of per-pair ratios, not ratios of medians; odd pairs out are outvoted', () => {
    const p: AbPairInput[] = [
      { a: { speed: 100, rssMean: 100 }, b: { speed: 99, rssMean: 85 } },
      { a: { speed: 100, rssMean: 100 }, b: { speed: 50, rssMean: 130 } }, // a bad pair
      { a: { speed: 100, rssMean: 100 }, b: { speed: 101, rssMean: 88 } },
    ];
    const v = abVerdict(p);
    expect(v.speedRatio).toBeCloseTo(0.99, 12);
    expect(v.rssRatio).toBeCloseTo(0.88, 12);
    expect(v.verdict).toBe('GO');
  });

  it('missing RSS is NO-GO with the reason; release rate n/a when absent', () => {
    const v = abVerdict(pairs(2, 1.0, undefined));
    expect(v.verdict).toBe('NO-GO');
    expect(v.failed).toEqual(['missing-rss']);
    expect(v.rssRatio).toBeUndefined();
    expect(v.reasons[0]).toMatch(/no pair has a mean RSS/);
    expect(v.releaseCallsPerSec.b).toBeUndefined();
    // one pair without RSS among others: judged on the pairs that have it
    const mixed = [...pairs(2, 1.0, 0.8), ...pairs(1, 1.0, undefined)];
    expect(abVerdict(mixed)).toMatchObject({ verdict: 'GO', rssPairs: 2, speedPairs: 3 });
  });

  it('missing speed, zero or non-finite figures, no pairs', () => {
    expect(abVerdict([{ a: { rssMean: 10 }, b: { rssMean: 8 } }]).failed).toEqual(['missing-speed']);
    expect(abVerdict([{ a: { speed: 0, rssMean: 10 }, b: { speed: 5, rssMean: NaN } }]).failed).toEqual(['missing-rss', 'missing-speed']);
    expect(abVerdict([])).toMatchObject({ verdict: 'NO-GO', failed: ['no-pairs'] });
  });

  it('custom criteria and the optional release-rate gate', () => {
    expect(abVerdict(pairs(1, 0.97, 0.95), { rssMaxRatio: 0.95, speedMinRatio: 0.97 }).verdict).toBe('GO');
    const v = abVerdict(pairs(1, 1, 0.8, { releaseCallsPerSec: 5000 }), { maxReleaseCallsPerSec: 1000 });
    expect(v.failed).toEqual(['release']);
    expect(v.reasons[0]).toMatch(/5000\/s, more than the 1000\/s allowed/);
  });

  it('abDecision: GO only when every workload is GO, reasons name the workload', () => {
    const d = abDecision([
      ['mstress', pairs(3, 1, 0.8)],
      ['larson', pairs(3, 0.9, 0.8)],
    ]);
    expect(d.verdict).toBe('NO-GO');
    expect(d.reasons).toEqual([expect.stringMatching(/^larson: speed: -10\.0%/)]);
    expect(abDecision([['mstress', pairs(3, 1, 0.8)]]).verdict).toBe('GO');
    expect(abDecision([]).verdict).toBe('NO-GO');
    expect(fmtChange(0.9)).toBe('-10.0%');
    expect(fmtChange(1.0004)).toBe('0.0%');
    expect(fmtChange(1.05)).toBe('+5.0%');
  });
});

function run(workload: string, allocator: string, rep: number, fields: Partial<RunRecord>): RunRecord {
  return { workload, allocator, rep, ok: true, iterations: 1000, warmupIterations: 100, wallMs: 500, ...fields };
}
const rss = (mean: number): RunRecord['rss'] => ({ intervalMs: 50, timed: { count: 4, mean, p95: mean, max: mean }, samples: [[0, mean]] });

describe('the ab section from a results JSON', () => {
  // 'future_wall' is a workload this code has never heard of, measured in seconds.
  const results = {
    workloads: [
      { name: 'random_mixed_small', description: '', params: {} },
      { name: 'future_wall', description: '', params: {}, metric: 'seconds' },
    ],
    runs: [
      run('random_mixed_small', 'hakozuna@scale', 0, { opsPerSec: 40e6, rss: rss(100 * MiB) }),
      run('random_mixed_small', 'hakozuna@mem', 0, {
        opsPerSec: 39.6e6,
        rss: rss(85 * MiB),
        marks: { warmup: 1000, timed: 1500, end: 3000 },
        allocatorStats: { releaseCallsTotal: 200 },
      }),
      run('random_mixed_small', 'hakozuna@scale', 1, { opsPerSec: 41e6, rss: rss(101 * MiB) }),
      { ...run('random_mixed_small', 'hakozuna@mem', 1, {}), ok: false, error: 'boom' },
      run('future_wall', 'hakozuna@scale', 0, { elapsedMs: 2000, rss: rss(200 * MiB) }),
      run('future_wall', 'hakozuna@mem', 0, { elapsedMs: 2100, rss: rss(150 * MiB) }),
    ],
  } as unknown as BenchResults;

  it('pairs run i of A with run i of B, leaves out incomplete pairs, and judges each workload', () => {
    expect(workloadMetric(results, 'random_mixed_small').kind).toBe('ops/s');
    expect(workloadMetric(results, 'future_wall').kind).toBe('seconds');
    expect(runReleaseCallsPerSec(results.runs[1]!)).toBeCloseTo(100, 9); // 200 calls over 2 s (warm-up start to end)
    const ab = abSectionFrom(results, { id: 'hakozuna@scale', lane: 'scale' }, { id: 'hakozuna@mem', lane: 'mem' }, { pairs: 2 });
    expect(ab.schema).toBe('hakozuna-ab/1');
    const small = ab.workloads.find((w) => w.workload === 'random_mixed_small')!;
    expect(small.pairs).toHaveLength(2);
    expect(small.pairs[0]!.speedRatio).toBeCloseTo(0.99, 12);
    expect(small.pairs[0]!.rssRatio).toBeCloseTo(0.85, 12);
    expect(small.pairs[1]!.b?.ok).toBe(false);
    expect(small.pairs[1]!.speedRatio).toBeUndefined();
    expect(small.verdict).toBe('GO');
    expect(small.releaseCallsPerSec).toEqual({ a: undefined, b: 100 });
    expect(small.reasons.at(-1)).toMatch(/1 pair\(s\) left out/);
    const wall = ab.workloads.find((w) => w.workload === 'future_wall')!;
    expect(wall.metric).toBe('seconds');
    expect(wall.pairs[0]!.a?.value).toBe(2);
    expect(wall.speedRatio).toBeCloseTo(2 / 2.1, 12); // B took longer: slower by 4.8%
    expect(wall.failed).toEqual(['speed']);
    expect(ab.verdict).toBe('NO-GO');
    expect(ab.reasons).toEqual([expect.stringMatching(/^future_wall: speed: -4\.8%/)]);
    const text = renderText(abVerdictTable(ab));
    // no heap RSS in these runs: the gate falls back to process RSS, and the table says so
    expect(text).toMatch(/random_mixed_small\s+ops\/s\s+1\s+0\.990 \(-1\.0%\)\s+n\/a\s+0\.850 \(-15\.0%\)\s+process RSS\s+n\/a\s+100\s+n\/a\s+GO/);
    expect(text).toContain('overall: NO-GO');
  });

  it('finds one-shot lines in child output', () => {
    expect(extractOneShotLines('noise\n[HZ3_S55_3_MEDIUM_SUBRELEASE] calls=10 madvise_calls=3\n  [HZ3_S49_PACK] hit=1\n[other] x')).toEqual([
      '[HZ3_S55_3_MEDIUM_SUBRELEASE] calls=10 madvise_calls=3',
      '[HZ3_S49_PACK] hit=1',
    ]);
  });
});

describe('progress', () => {
  it('one line per run with elapsed, remaining and ETA; a closing line; silent when disabled', () => {
    const lines: string[] = [];
    const out = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream;
    const plan = [
      { key: 'w/a', group: 'a', label: '' },
      { key: 'w/b', group: 'b', label: '' },
      { key: 'w/a', group: 'a', label: '' },
    ];
    const p = new Progress(plan, true, out, () => new Date(2026, 0, 1, 12, 0, 0));
    p.finished({ ...plan[0]!, label: 'w a rep 1/2' }, 1000, '1.0 M ops/s');
    expect(lines[0]).toMatch(/^\[1\/3\] w a rep 1\/2  1\.0 M ops\/s  elapsed 0:00, ~0:02 left \(ETA 12:00:02\)\n$/);
    p.finished({ ...plan[1]!, label: 'w b' }, 3000, 'x');
    p.finished({ ...plan[2]!, label: 'w a' }, 1000, 'x');
    expect(lines[2]).toMatch(/^\[3\/3\] w a  x  elapsed 0:\d\d, done\n$/);
    expect(lines[3]).toMatch(/^\[bench\] 3 runs done in 0:\d\d\n$/);
    const quiet: string[] = [];
    new Progress(plan, false, { write: (s: string) => quiet.push(s) } as unknown as NodeJS.WritableStream).finished(plan[0]!, 1, 'x');
    expect(quiet).toEqual([]);
    expect(fmtDuration(3_723_000)).toBe('1:02:03');
    expect(fmtDuration(61_000)).toBe('1:01');
  });
});
