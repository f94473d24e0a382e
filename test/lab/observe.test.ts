/**
 * hakozuna observe medium-waste: the verdict rule on synthetic lines, and the
 * whole command on a user's own script (with workers) run in the research lane.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mediumWasteVerdict, observeMediumWaste, parseStatLine } from '../../packages/lab/src/observe.ts';

const obs = (req: number, alloc: number): string =>
  `[HZ3_MEDIUM_WASTE_OBS] req=${req} alloc=${alloc} waste=${alloc - req} waste_pct=${((100 * (alloc - req)) / alloc).toFixed(2)}`;
const pack = '[HZ3_S49_PACK] hit=5 miss=2 new_segment=2 hit_pct=71.43';

describe('medium waste verdict', () => {
  it('blames class granularity above 10%', () => {
    const v = mediumWasteVerdict([obs(8000, 10000), pack]);
    expect(v.kind).toBe('granularity');
    expect(v.line).toBe('[HZ3_S56_VERDICT] waste_pct=20.00 -> medium class granularity is the main RSS suspect (waste > 10%): next, finer medium classes (S57)');
  });
  it('points at segment opening below 3%, with the S49 counters', () => {
    const v = mediumWasteVerdict([obs(9900, 10000), pack]);
    expect(v.kind).toBe('segment-opening');
    expect(v.line).toMatch(/^\[HZ3_S56_VERDICT\] waste_pct=1\.00 -> .*segment opening.*hit=5 miss=2 new_segment=2/);
  });
  it('is inconclusive in between, including exactly 3% and 10%', () => {
    expect(mediumWasteVerdict([obs(9500, 10000)]).kind).toBe('inconclusive');
    expect(mediumWasteVerdict([obs(9700, 10000)]).kind).toBe('inconclusive');
    expect(mediumWasteVerdict([obs(9000, 10000)]).kind).toBe('inconclusive');
  });
  it('sums several runs and says when there was nothing to judge', () => {
    expect(mediumWasteVerdict([obs(1000, 2000), obs(9000, 10000)]).wastePct).toBeCloseTo((100 * 2000) / 12000, 6);
    expect(mediumWasteVerdict(['unrelated', pack]).kind).toBe('no-medium-requests');
  });
  it('parses stat lines', () => {
    expect(parseStatLine(pack)).toEqual({ tag: 'HZ3_S49_PACK', values: { hit: 5, miss: 2, new_segment: 2, hit_pct: 71.43 } });
    expect(parseStatLine('not a line')).toBeUndefined();
  });
});

describe('observe medium-waste on a user script', () => {
  const app = join(__dirname, '..', 'fixtures', 'medium-app.mjs');
  it('runs the script (and its workers) in the research lane and judges its requests', async () => {
    const out: string[] = [];
    const r = await observeMediumWaste({ script: [app, '4097'], log: (l) => out.push(l) });
    // 150 requests of 4097 B (100 in main, 50 in the worker) -> the 8 KiB class.
    expect(r.verdict.req).toBe(150 * 4097);
    expect(r.verdict.alloc).toBe(150 * 8192);
    expect(r.verdict.kind).toBe('granularity');
    expect(out).toContain('app done');
    expect(out.filter((l) => l.startsWith('[HZ3_MEDIUM_WASTE_SC]'))).toHaveLength(8);
    expect(out.at(-1)).toMatch(/^\[HZ3_S56_VERDICT\] waste_pct=49\.99 share_of_resident=[\d.]+ -> medium (class granularity|requests waste)/);
  });
  it('finds no rounding waste for class-sized requests', async () => {
    const r = await observeMediumWaste({ script: [app, '8192'], log: () => undefined });
    expect(r.verdict.kind).toBe('segment-opening');
    expect(r.verdict.pack).toBeDefined();
  });
});
