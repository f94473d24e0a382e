/**
 * The speed targets: the least ratio of hakozuna's ops/s to a peer's (or to the
 * noop floor's) per workload. The ratio table marks each ratio `ok` or `MISS`
 * against its target and names this file as where the thresholds are.
 */
export interface Target {
  readonly peer: string;
  /** Workload names it applies to; undefined = every workload. */
  readonly workloads?: readonly string[];
  readonly min: number;
}

export const TARGETS: readonly Target[] = [
  { peer: 'noop', min: 0.75 },
  { peer: 'tlsf', workloads: ['random_mixed_small', 'dist_app'], min: 1.8 },
  { peer: 'tlsf', workloads: ['random_mixed_medium', 'random_mixed_mixed'], min: 2.5 },
  { peer: 'thing', min: 20 },
];

export function targetFor(peer: string, workload: string): number | undefined {
  for (const t of TARGETS) {
    if (t.peer === peer && (t.workloads === undefined || t.workloads.includes(workload))) return t.min;
  }
  return undefined;
}
