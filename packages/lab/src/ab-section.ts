/**
 * What the A/B section of results.json (`ab`, schema `hakozuna-ab/1`) holds: the
 * two sides, the criteria, per workload the pairs with both sides' figures and
 * ratios, the medians, the verdict and its reasons. Types only (and the schema
 * tag), below results.ts, whose BenchResults carries the section; ab-model.ts
 * builds it from the runs (abSectionFrom) and prints its tables.
 */
import type { AbCriteria, AbFailure, RssBasis } from './verdict.ts';

/** A workload's metric: a rate (higher is better) or a duration (lower is better); run-metrics.ts reads it from the JSON. */
export type MetricKind = 'ops/s' | 'seconds';

export const AB_SCHEMA = 'hakozuna-ab/1';

export interface AbSide {
  /** The allocator id of this side in `runs` / `summary`, e.g. `hakozuna@mem`. */
  readonly id: string;
  /** Lane name, for hakozuna sides. */
  readonly lane?: string;
  /** Preset a custom lane starts from. */
  readonly base?: string;
  /** NAME=VALUE overrides given for this side. */
  readonly flags?: Readonly<Record<string, number>>;
}

export interface AbRunFigures {
  readonly rep: number;
  readonly ok: boolean;
  readonly error?: string;
  /** In the workload's metric (ops/s or seconds). */
  readonly value?: number;
  /** Higher is better (value, or 1/value for seconds). */
  readonly speed?: number;
  /** Mean process RSS over the timed window. */
  readonly rssMean?: number;
  /** Mean heap RSS over the timed window (mincore, or the allocator's account in record-only mode). */
  readonly heapRssMean?: number;
  readonly heapRssSource?: 'mincore' | 'account';
  readonly releaseCallsTotal?: number;
  readonly releaseCallsPerSec?: number;
  /** The allocator's own resident bytes at the end of the run (heap.stats().residentBytes), when it reports them. */
  readonly residentBytes?: number;
}

export interface AbPairRecord {
  /** 0-based. */
  readonly pair: number;
  readonly a?: AbRunFigures;
  readonly b?: AbRunFigures;
  readonly speedRatio?: number;
  /** The gated RSS ratio: heap RSS, or process RSS when the workload falls back to it. */
  readonly rssRatio?: number;
  readonly heapRssRatio?: number;
  readonly processRssRatio?: number;
  /** B/A of the allocator's own resident bytes at the end (information, not gated). */
  readonly residentRatio?: number;
}

export interface AbWorkloadSection {
  readonly workload: string;
  readonly metric: MetricKind;
  readonly metricLabel: string;
  readonly pairs: readonly AbPairRecord[];
  /** Medians of the per-pair B/A ratios; rssRatio is the gated one (rssBasis). */
  readonly speedRatio?: number;
  readonly rssRatio?: number;
  readonly heapRssRatio?: number;
  readonly processRssRatio?: number;
  readonly rssBasis: RssBasis;
  readonly heapRssSource?: 'mincore' | 'account';
  /** How each side's heap RSS was measured, as its runs say (e.g. record-only mode and why). */
  readonly heapRssNotes?: { readonly a?: string; readonly b?: string };
  readonly releaseCallsPerSec: { readonly a?: number; readonly b?: number };
  /** Median of the per-pair B/A ratios of the allocator's own resident bytes at the end (not gated). */
  readonly residentRatio?: number;
  readonly verdict: 'GO' | 'NO-GO';
  readonly failed: readonly AbFailure[];
  readonly reasons: readonly string[];
}

export interface AbSection {
  readonly schema: typeof AB_SCHEMA;
  readonly a: AbSide;
  readonly b: AbSide;
  /** Pairs asked for. */
  readonly pairs: number;
  readonly criteria: AbCriteria;
  readonly verdict: 'GO' | 'NO-GO';
  readonly reasons: readonly string[];
  readonly workloads: readonly AbWorkloadSection[];
}
