/** Argument parsers shared by every `hakozuna` subcommand (commander's coerce functions). */
import { InvalidArgumentError } from 'commander';
import { parseFlagAssignments } from 'hakozuna/src/config/flags.ts';

/** A positive count: 1000000, 1_000_000, 1e6, 1M and 200k are fine. */
export function intArg(value: string): number {
  const m = /^([0-9._e+]+)([kKmM]?)$/.exec(value.trim().replace(/_/g, ''));
  const n = m === null ? NaN : Number(m[1]) * (m[2] === '' ? 1 : /k/i.test(m[2]!) ? 1e3 : 1e6);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer (1000000, 1_000_000, 1e6, 1M and 200k are fine)');
  return n;
}

/** A comma-separated list; repeating the option adds to it. */
export function listArg(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  ];
}

/**
 * NAME=VALUE, repeatable; true/false are 1/0. Parsed by the flag registry's own
 * parser (parseFlagAssignments), which also checks the name and the range here;
 * what flags require of each other is checked once the lane is resolved.
 */
export function flagArg(value: string, previous: Record<string, number> = {}): Record<string, number> {
  try {
    return { ...previous, ...parseFlagAssignments([value]) };
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/** A percentage such as -10 or -2 (a trailing % is accepted). */
export function percentArg(value: string): number {
  const n = Number(value.replace(/%$/, ''));
  if (!Number.isFinite(n)) throw new InvalidArgumentError('must be a percentage, e.g. -10 or -2');
  return n;
}

/** `1,2`: thread counts for the multi-worker workloads. */
export function threadsArg(value: string): number[] {
  const list = listArg(value).map(Number);
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 1 || n > 32)) throw new InvalidArgumentError('must be thread counts in 1..32, comma-separated');
  return list;
}

/** KEY=V or WORKLOAD.KEY=V (a number; 1M, 200k accepted). */
export function paramArg(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const eq = value.indexOf('=');
  const text = value.slice(eq + 1).trim();
  const m = /^([0-9._e+-]+)([kKmM]?)$/.exec(text.replace(/_/g, ''));
  const v = m === null ? NaN : Number(m[1]) * (m[2] === '' ? 1 : /k/i.test(m[2]!) ? 1e3 : 1e6);
  if (eq <= 0 || !Number.isFinite(v)) throw new InvalidArgumentError('must be KEY=NUMBER or WORKLOAD.KEY=NUMBER');
  return { ...previous, [value.slice(0, eq).trim()]: v };
}

/** `pooled`, `spawn` or `pooled,spawn`: how a thread of a multi-worker workload starts (each mode is a run of its own). */
export function threadsModeArg(value: string, previous: ('pooled' | 'spawn')[] = []): ('pooled' | 'spawn')[] {
  const list = listArg(value);
  if (list.length === 0 || list.some((m) => m !== 'pooled' && m !== 'spawn')) throw new InvalidArgumentError('must be pooled, spawn or pooled,spawn');
  return [...new Set([...previous, ...(list as ('pooled' | 'spawn')[])])];
}
