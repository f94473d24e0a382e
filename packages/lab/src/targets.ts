/**
 * The speed targets from the issue, as ratios of hakozuna's ops/s to a peer's
 * (or to the noop floor's). The report marks each ratio against its target.
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
