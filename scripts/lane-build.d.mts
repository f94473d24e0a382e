export const ROOT: string;
export interface ResolvedLane { lane: string; flags: Record<string, number> }
export function loadRegistry(esbuild?: unknown): Promise<typeof import('../src/config/flags.ts')>;
export function buildLane(
  lane: string,
  overrides?: Record<string, number>,
  base?: string,
  options?: { outRoot?: string; entries?: Record<string, string>; platform?: 'node' | 'browser'; esbuild?: unknown },
): Promise<{ outdir: string; entry: string; resolved: ResolvedLane }>;
export function buildLanes(names?: string[]): Promise<void>;
export function sourceHash(): number;
