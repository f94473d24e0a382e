/**
 * The multi-worker workloads (BENCHMARKS.md): name -> spec. A run's name adds
 * its thread count (`larson_t2`), see src/mt-bench.ts.
 */
import type { MtWorkloadSpec } from '../../mt-protocol.ts';
import { mtRemoteSpec } from './mt-remote.ts';
import { larsonSpec } from './larson.ts';
import { mstressSpec } from './mstress.ts';
import { xmallocSpec } from './xmalloc.ts';
import { burstIdleSpec, burstIdleTailSpec } from './burst-idle.ts';
import { mediumAppSpec } from './medium-app.ts';

const list: MtWorkloadSpec[] = [
  mtRemoteSpec('small', 0),
  mtRemoteSpec('small', 50),
  mtRemoteSpec('small', 90),
  mtRemoteSpec('mixed', 0),
  mtRemoteSpec('mixed', 50),
  mtRemoteSpec('mixed', 90),
  larsonSpec,
  mstressSpec,
  xmallocSpec,
  burstIdleSpec,
  burstIdleTailSpec,
  mediumAppSpec,
];

export const MT_WORKLOADS: Readonly<Record<string, MtWorkloadSpec>> = Object.fromEntries(list.map((s) => [s.name, s]));

/** In the default suite, in this order. */
export const DEFAULT_MT_WORKLOADS: readonly string[] = list.map((s) => s.name);

/** Names that stand for several workloads on the command line. */
export const MT_ALIASES: Readonly<Record<string, readonly string[]>> = {
  mt: DEFAULT_MT_WORKLOADS,
  mt_remote: list.filter((s) => s.name.startsWith('mt_remote_')).map((s) => s.name),
  xmalloc: ['xmalloc_test'],
  'xmalloc-test': ['xmalloc_test'],
  'burst-idle': ['burst_idle'],
  burst: ['burst_idle', 'burst_idle_tail'],
};
