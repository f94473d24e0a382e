/**
 * The GO / NO-GO gate of an A/B run (the seed's gate, as hz3's phase documents apply it), as pure
 * functions over measurements: no I/O, no clock, so they can be tested on
 * synthetic inputs.
 *
 * A is the baseline, B the candidate. Each pair is one run of A and the run of B
 * that followed it (same workload, same parameters, each its own process).
 * Per pair: speedRatio = B speed / A speed (speed: higher is better, e.g. ops/s,
 * or 1 / seconds for a workload measured in wall time) and rssRatio = B mean RSS
 * / A mean RSS. The gate looks at the medians of the per-pair ratios:
 *
 *   GO  when  median rssRatio <= 0.90   (mean RSS -10% or better)
 *        and  median speedRatio >= 0.98 (speed within -2%)
 *
 * Which RSS: the heap's (heapRssMean: the allocator's buffer as mincore sees it,
 * or its own account in record-only mode) whenever both sides of a pair have it;
 * process RSS, which holds Node's ~58 MiB beside a heap of a few MiB, is shown
 * beside it and gated only when no pair has a heap RSS for both sides (a peer
 * whose memory the sampler cannot see); the reasons say which was gated.
 *
 * Exactly -10% and exactly -2% pass (a relative tolerance of 1e-9 absorbs
 * floating-point noise in the ratios). A missing measurement never passes: no
 * RSS, no speed or no complete pair gives NO-GO with the reason. Release calls
 * per second are reported beside the verdict; they are gated only when a
 * `maxReleaseCallsPerSec` is given.
 */
import { median } from './stats-math.ts';

/** One side's measurement in one run. Any field may be missing (a failed run, a peer without stats). */
export interface AbMeasurement {
  /** Higher is better: ops/s, or 1 / seconds for wall-time workloads. */
  readonly speed?: number;
  /** Mean process RSS over the run's timed window, bytes. */
  readonly rssMean?: number;
  /** Mean heap RSS over the run's timed window, bytes (packages/lab/bench/heap-rss.ts). */
  readonly heapRssMean?: number;
  /** How heapRssMean was measured: mincore, or the allocator's own account (record-only mode). */
  readonly heapRssSource?: 'mincore' | 'account';
  /** Release (madvise) calls per second of the run, from the allocator's stats; undefined when it has none. */
  readonly releaseCallsPerSec?: number;
}

export interface AbPairInput {
  readonly a: AbMeasurement;
  readonly b: AbMeasurement;
}

export interface AbCriteria {
  /** Largest accepted median B/A ratio of mean RSS. Default 0.90 (-10%). */
  readonly rssMaxRatio: number;
  /** Smallest accepted median B/A ratio of speed. Default 0.98 (-2%). */
  readonly speedMinRatio: number;
  /** When set, B's median release calls per second must not exceed it. Default: not gated. */
  readonly maxReleaseCallsPerSec?: number;
}

export const DEFAULT_AB_CRITERIA: AbCriteria = { rssMaxRatio: 0.9, speedMinRatio: 0.98 };

export interface AbPairRatios {
  /** 0-based pair index, as given. */
  readonly pair: number;
  readonly speedRatio?: number;
  /** The gated RSS ratio of the pair (heap RSS, or process RSS when the verdict falls back to it). */
  readonly rssRatio?: number;
  readonly heapRssRatio?: number;
  readonly processRssRatio?: number;
}

/** What the RSS criterion was judged on. */
export type RssBasis = 'heap' | 'process';

export type AbFailure = 'rss' | 'speed' | 'release' | 'missing-rss' | 'missing-speed' | 'no-pairs';

export interface AbVerdict {
  readonly verdict: 'GO' | 'NO-GO';
  /** Every criterion that failed, in order rss, speed, release (or what was missing). Empty for GO. */
  readonly failed: readonly AbFailure[];
  /** One sentence per failed criterion, with the figure and by how much it missed; for GO, why it passed. */
  readonly reasons: readonly string[];
  readonly pairs: readonly AbPairRatios[];
  /** Median of the per-pair ratios (over the pairs that have that ratio). rssRatio is the gated one. */
  readonly speedRatio?: number;
  readonly rssRatio?: number;
  readonly heapRssRatio?: number;
  readonly processRssRatio?: number;
  /** heap: gated on heap RSS; process: no pair had a heap RSS on both sides. */
  readonly rssBasis: RssBasis;
  /** The heap RSS's source over the gated pairs: 'account' when any side ran record-only. */
  readonly heapRssSource?: 'mincore' | 'account';
  /** Pairs that had each ratio. */
  readonly speedPairs: number;
  readonly rssPairs: number;
  /** Median over the runs that report it; undefined = "n/a". */
  readonly releaseCallsPerSec: { readonly a?: number; readonly b?: number };
  readonly criteria: AbCriteria;
}

const EPS = 1e-9;
const finitePos = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x) && x > 0;
const finiteNonNeg = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x) && x >= 0;

/** "-7.3%" / "+1.2%" for a ratio. */
export function fmtChange(ratio: number): string {
  const pct = (ratio - 1) * 100;
  const s = Math.abs(pct) < 0.05 ? '0.0' : pct.toFixed(1);
  return (pct > 0 && s !== '0.0' ? '+' : '') + s + '%';
}

export function fmtRate(x: number | undefined): string {
  if (x === undefined) return 'n/a';
  if (x === 0) return '0';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/**
 * The verdict of one workload's pairs. `pairs[i]` is pair i (A run i, then B run i).
 * Pure: the same input gives the same output.
 */
export function abVerdict(pairs: readonly AbPairInput[], criteria: Partial<AbCriteria> = {}): AbVerdict {
  const c: AbCriteria = { ...DEFAULT_AB_CRITERIA, ...criteria };
  const ratio = (a: number | undefined, b: number | undefined): number | undefined => (finitePos(a) && finitePos(b) ? b / a : undefined);
  const raw = pairs.map((p, i) => ({
    pair: i,
    speedRatio: ratio(p.a.speed, p.b.speed),
    heapRssRatio: ratio(p.a.heapRssMean, p.b.heapRssMean),
    processRssRatio: ratio(p.a.rssMean, p.b.rssMean),
    account: p.a.heapRssSource === 'account' || p.b.heapRssSource === 'account',
  }));
  const rssBasis: RssBasis = raw.some((r) => r.heapRssRatio !== undefined) ? 'heap' : 'process';
  const ratios: AbPairRatios[] = raw.map((r) => {
    const gated = rssBasis === 'heap' ? r.heapRssRatio : r.processRssRatio;
    return {
      pair: r.pair,
      ...(r.speedRatio !== undefined ? { speedRatio: r.speedRatio } : {}),
      ...(gated !== undefined ? { rssRatio: gated } : {}),
      ...(r.heapRssRatio !== undefined ? { heapRssRatio: r.heapRssRatio } : {}),
      ...(r.processRssRatio !== undefined ? { processRssRatio: r.processRssRatio } : {}),
    };
  });
  const med = (v: (number | undefined)[]): number | undefined => {
    const x = v.filter((y): y is number => y !== undefined);
    return x.length > 0 ? median(x) : undefined;
  };
  const speeds = ratios.map((r) => r.speedRatio).filter((x): x is number => x !== undefined);
  const rsss = ratios.map((r) => r.rssRatio).filter((x): x is number => x !== undefined);
  const speedRatio = speeds.length > 0 ? median(speeds) : undefined;
  const rssRatio = rsss.length > 0 ? median(rsss) : undefined;
  const heapRssRatio = med(ratios.map((r) => r.heapRssRatio));
  const processRssRatio = med(ratios.map((r) => r.processRssRatio));
  const heapRssSource = rssBasis === 'heap' ? (raw.some((r) => r.heapRssRatio !== undefined && r.account) ? 'account' : 'mincore') : undefined;
  const rel = (side: 'a' | 'b'): number | undefined => {
    const v = pairs.map((p) => p[side].releaseCallsPerSec).filter(finiteNonNeg);
    return v.length > 0 ? median(v) : undefined;
  };
  const releaseCallsPerSec = { a: rel('a'), b: rel('b') };

  const failed: AbFailure[] = [];
  const reasons: string[] = [];
  const rssTarget = fmtChange(c.rssMaxRatio);
  const speedTarget = fmtChange(c.speedMinRatio);
  // How the RSS criterion names its figure: heap RSS (mincore), heap RSS as the allocator's account, or process RSS.
  const heapName =
    heapRssSource === 'account' ? "heap RSS (record-only mode: no mincore, the allocator's own account stats().residentBytes)" : 'heap RSS';
  const beside =
    rssBasis === 'heap'
      ? processRssRatio !== undefined
        ? `; process RSS ${fmtChange(processRssRatio)} (B/A ${processRssRatio.toFixed(3)}), not gated`
        : ''
      : ' (gated on process RSS: no pair has a heap RSS for both A and B)';
  if (pairs.length === 0) {
    failed.push('no-pairs');
    reasons.push('no pairs were measured');
  } else {
    if (rssRatio === undefined) {
      failed.push('missing-rss');
      reasons.push(`RSS: no pair has a mean RSS (heap RSS or process RSS) for both A and B, so the ${rssTarget} criterion cannot be met`);
    } else if (rssRatio > c.rssMaxRatio * (1 + EPS)) {
      failed.push('rss');
      const short = (rssRatio - c.rssMaxRatio) * 100;
      const what = rssBasis === 'heap' ? `${heapName}: mean heap RSS` : 'RSS: mean RSS';
      reasons.push(`${what} ${fmtChange(rssRatio)} (B/A ${rssRatio.toFixed(3)}), needs ${rssTarget} or better: short by ${short.toFixed(1)} points${beside}`);
    }
    if (speedRatio === undefined) {
      failed.push('missing-speed');
      reasons.push(`speed: no pair has a speed for both A and B, so the ${speedTarget} criterion cannot be met`);
    } else if (speedRatio < c.speedMinRatio * (1 - EPS)) {
      failed.push('speed');
      const short = (c.speedMinRatio - speedRatio) * 100;
      reasons.push(
        `speed: ${fmtChange(speedRatio)} (B/A ${speedRatio.toFixed(3)}), needs ${speedTarget} or better: short by ${short.toFixed(1)} points`,
      );
    }
    if (c.maxReleaseCallsPerSec !== undefined && releaseCallsPerSec.b !== undefined && releaseCallsPerSec.b > c.maxReleaseCallsPerSec) {
      failed.push('release');
      reasons.push(
        `release calls: B makes ${fmtRate(releaseCallsPerSec.b)}/s, more than the ${fmtRate(c.maxReleaseCallsPerSec)}/s allowed`,
      );
    }
  }
  if (failed.length === 0) {
    const what = rssBasis === 'heap' ? `mean ${heapName}` : 'mean RSS';
    reasons.push(
      `${what} ${fmtChange(rssRatio!)} (needs ${rssTarget} or better) and speed ${fmtChange(speedRatio!)} (needs ${speedTarget} or better)` +
        `${rssBasis === 'heap' ? beside.replace(/, not gated$/, '') : beside}; release calls/s A ${fmtRate(releaseCallsPerSec.a)}, B ${fmtRate(releaseCallsPerSec.b)}`,
    );
  }
  return {
    verdict: failed.length === 0 ? 'GO' : 'NO-GO',
    failed,
    reasons,
    pairs: ratios,
    ...(speedRatio !== undefined ? { speedRatio } : {}),
    ...(rssRatio !== undefined ? { rssRatio } : {}),
    ...(heapRssRatio !== undefined ? { heapRssRatio } : {}),
    ...(processRssRatio !== undefined ? { processRssRatio } : {}),
    rssBasis,
    ...(heapRssSource !== undefined ? { heapRssSource } : {}),
    speedPairs: speeds.length,
    rssPairs: rsss.length,
    releaseCallsPerSec,
    criteria: c,
  };
}

export interface AbDecision {
  /** GO only when every workload is GO. */
  readonly verdict: 'GO' | 'NO-GO';
  /** For NO-GO, one line per failing workload: "mstress: RSS ...; speed ...". */
  readonly reasons: readonly string[];
  readonly workloads: readonly { readonly workload: string; readonly verdict: AbVerdict }[];
}

/** The verdict over several workloads: each judged alone by {@link abVerdict}; GO only if all are GO. */
export function abDecision(byWorkload: ReadonlyArray<readonly [string, readonly AbPairInput[]]>, criteria: Partial<AbCriteria> = {}): AbDecision {
  const workloads = byWorkload.map(([workload, pairs]) => ({ workload, verdict: abVerdict(pairs, criteria) }));
  const nogo = workloads.filter((w) => w.verdict.verdict !== 'GO');
  const reasons =
    workloads.length === 0
      ? ['no workloads were measured']
      : nogo.length === 0
        ? [`every workload passes (${workloads.map((w) => w.workload).join(', ')})`]
        : nogo.map((w) => `${w.workload}: ${w.verdict.reasons.join('; ')}`);
  return { verdict: workloads.length > 0 && nogo.length === 0 ? 'GO' : 'NO-GO', reasons, workloads };
}
