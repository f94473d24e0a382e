/**
 * The workload registry: every workload the bench knows, by name, with the
 * parameters that define it (printed with the results). Single-threaded ones
 * run on the child's main thread; multi-worker workloads (mt_remote, larson,
 * mstress, ...) will be added with kind 'workers' and a runner of their own.
 */
import type { WorkloadSpec } from '../protocol.ts';
import { randomMixed, RANDOM_MIXED_WS } from './random-mixed.ts';
import { distApp } from './dist-app.ts';
import { LCG_SEED } from './lcg.ts';

function randomMixedSpec(name: string, min: number, max: number): WorkloadSpec {
  return {
    name,
    kind: 'single',
    description: `random_mixed ${min}-${max} B: LCG slot+size, ws=${RANDOM_MIXED_WS}`,
    params: { rng: 'lcg32', seed: '0x' + LCG_SEED.toString(16), ws: RANDOM_MIXED_WS, min, max },
    run: (alloc, iterations) => randomMixed(alloc, iterations, min, max),
  };
}

export const WORKLOADS: Readonly<Record<string, WorkloadSpec>> = {
  random_mixed_small: randomMixedSpec('random_mixed_small', 16, 2048),
  random_mixed_medium: randomMixedSpec('random_mixed_medium', 4096, 32768),
  random_mixed_mixed: randomMixedSpec('random_mixed_mixed', 16, 32768),
  dist_app: {
    name: 'dist_app',
    kind: 'single',
    description: 'dist_app: 80% 16-256, 15% 257-2048, 5% 2049-32768; ws=400',
    params: { rng: 'lcg32', seed: '0x' + LCG_SEED.toString(16), ws: RANDOM_MIXED_WS, sizes: '80%:16-256,15%:257-2048,5%:2049-32768' },
    run: (alloc, iterations) => distApp(alloc, iterations),
  },
};

export const DEFAULT_WORKLOADS = Object.keys(WORKLOADS);
