/**
 * A multi-worker summary row: a single-threaded summary row (opsPerSec = the
 * workload's metric) plus its `mt` part. mt-bench.ts makes them (the suite's
 * summary, its targets and tables); mt-threads-report.ts tabulates their thread
 * starts.
 */
import type { MtParams, ThreadsMode } from '../bench/mt-protocol.ts';
import type { SummaryRow } from './results.ts';

export interface MtSummaryExtra {
  readonly spec: string;
  readonly threads: number;
  readonly metric: string;
  readonly params: MtParams;
  readonly sharing?: string;
  /** Medians over repetitions of every metric the workload counts. */
  readonly metrics: Record<string, number>;
  readonly releaseCallsPerSec?: number;
  /** burst_idle: per-cycle medians of RSS at the end of each idle window. */
  readonly series?: Record<string, number[]>;
  /** hakozuna: every run's heap.check() was clean and bytesInUse came back. */
  readonly heapCheckOk?: boolean;
  /** One-shot box lines of the first successful run. */
  readonly boxLines?: readonly string[];
  readonly threadsMode?: ThreadsMode;
  /** Medians over repetitions of each run's thread-start figures (ThreadStartStats). */
  readonly threadStarts?: Readonly<Record<string, number>>;
}

export type MtSummaryRow = SummaryRow & { readonly threads?: number; readonly mt?: MtSummaryExtra };
