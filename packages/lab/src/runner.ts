/**
 * Runs one bench child process and reads its result line. The parent never
 * loads an allocator itself: each (workload, allocator, repetition) is a fresh
 * process, so JIT state, heap state and RSS never carry over between runs.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { libraryRoot } from './root.ts';
import type { Launch } from './launch.ts';
import type { ChildConfig, ChildResult } from '../bench/protocol.ts';
import type { MtChildConfig } from '../bench/mt-protocol.ts';
import { RESULT_MARKER } from '../bench/protocol.ts';

export interface ChildOutcome {
  readonly ok: boolean;
  readonly result?: ChildResult;
  readonly error?: string;
  /** Child output other than the result line (e.g. one-shot [HZ3_...] stats), capped. */
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time of the whole child process, ms. */
  readonly wallMs: number;
}

const OUTPUT_CAP = 64 * 1024;

function cap(text: string): string {
  return text.length <= OUTPUT_CAP ? text : `[... ${text.length - OUTPUT_CAP} chars cut ...]\n` + text.slice(-OUTPUT_CAP);
}

export function runChildProcess(
  launch: Exclude<Launch, { kind: 'skip' }>,
  cfg: ChildConfig,
  opts: { timeoutMs: number; nodeArgs?: readonly string[] },
): Promise<ChildOutcome> {
  const mt = (cfg as Partial<MtChildConfig>).mt;
  const [cmd, args] =
    launch.kind === 'node'
      ? [process.execPath, [...(opts.nodeArgs ?? []), launch.script, JSON.stringify(cfg)]]
      : mt !== undefined
        ? // bench/native/mt.c: <workload> <threads> <interval> key=value ...
          [launch.mtFile ?? launch.file, [mt.spec, String(mt.threads), String(cfg.sampleIntervalMs), ...Object.entries(mt.params).map(([k, v]) => `${k}=${v}`)]]
        : [launch.file, [cfg.workload, String(cfg.iterations), String(cfg.warmupIterations), String(cfg.sampleIntervalMs)]];
  const env = launch.kind === 'exec' ? { ...process.env, ...(launch.env ?? {}) } : nodeChildEnv();
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      const stdoutAll = Buffer.concat(out).toString('utf8');
      const stderr = cap(Buffer.concat(err).toString('utf8'));
      let result: ChildResult | undefined;
      const rest: string[] = [];
      for (const line of stdoutAll.split('\n')) {
        if (line.startsWith(RESULT_MARKER)) {
          try {
            result = JSON.parse(line.slice(RESULT_MARKER.length)) as ChildResult;
          } catch (e) {
            rest.push(`(unparsable result line: ${(e as Error).message})`);
          }
        } else if (line !== '') rest.push(line);
      }
      const stdout = cap(rest.join('\n'));
      let error: string | undefined;
      if (spawnError !== undefined) error = `cannot start ${cmd}: ${spawnError.message}`;
      else if (timedOut) error = `timed out after ${opts.timeoutMs} ms`;
      else if (code !== 0) error = `exit ${code ?? signal}: ${lastLines(stderr)}`;
      else if (result === undefined) error = `no result line on stdout: ${lastLines(stderr)}`;
      else if (launch.kind === 'exec' && launch.malloc !== undefined && mallocOf(result) !== undefined && mallocOf(result) !== launch.malloc) {
        error = `the child ran on ${mallocOf(result)}'s malloc, not ${launch.malloc}'s: LD_PRELOAD=${launch.library ?? '?'} did not take`;
      }
      resolve(error === undefined ? { ok: true, result, stdout, stderr, wallMs } : { ok: false, error, stdout, stderr, wallMs });
    };
    child.on('error', (e) => finish(null, null, e));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

/**
 * A JS child finds the release addon by walking up from its bundle, so a bundle
 * built outside the package (a --build-dir in /tmp, as the tests use) would run
 * record-only without saying why: name the package's addon explicitly unless
 * the caller chose (HAKOZUNA_ADDON, or HAKOZUNA_NO_ADDON=1 for record-only).
 */
function nodeChildEnv(): NodeJS.ProcessEnv {
  if (process.env.HAKOZUNA_ADDON !== undefined || process.env.HAKOZUNA_NO_ADDON === '1') return process.env;
  const addon = join(libraryRoot(), 'native', 'build', 'Release', 'hakozuna_release.node');
  return existsSync(addon) ? { ...process.env, HAKOZUNA_ADDON: addon } : process.env;
}

/** The malloc a native child says it called (bench/native/*.c report it). */
function mallocOf(result: ChildResult): string | undefined {
  const r = result as { malloc?: unknown; mt?: { malloc?: unknown } };
  const m = r.mt?.malloc ?? r.malloc;
  return typeof m === 'string' ? m : undefined;
}

function lastLines(text: string, n = 6): string {
  const lines = text.trim().split('\n');
  return lines.slice(-n).join(' | ') || '(no stderr)';
}
