/**
 * The `hakozuna` command (bin/hakozuna.js imports the bundle of this file,
 * dist/cli.js, built by scripts/build-cli.mjs). One function per subcommand;
 * `build`, `ab` and `observe` are to come beside `bench`.
 */
import { Command, InvalidArgumentError } from 'commander';
import { runBench, type BenchOptions } from './bench.ts';
import { ALLOCATORS, DEFAULT_ALLOCATORS } from './allocators.ts';
import { DEFAULT_WORKLOADS } from '../../bench/workloads/index.ts';

/** A positive integer; `1_000_000`, `1e6`, `1M` and `200k` are accepted. */
export function intArg(value: string): number {
  const m = /^([0-9._e+]+)([kKmM]?)$/.exec(value.trim().replace(/_/g, ''));
  const n = m === null ? NaN : Number(m[1]) * (m[2] === '' ? 1 : /k/i.test(m[2]!) ? 1e3 : 1e6);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer (1000000, 1_000_000, 1e6, 1M and 200k are fine)');
  return n;
}

function listArg(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function flagArg(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const eq = value.indexOf('=');
  const v = Number(value.slice(eq + 1));
  if (eq <= 0 || Number.isNaN(v)) throw new InvalidArgumentError('must be NAME=VALUE');
  return { ...previous, [value.slice(0, eq)]: v };
}

export function benchCommand(): Command {
  return new Command('bench')
    .description('single-threaded workloads over hakozuna and the peer allocators, one child process per run')
    .option('--quick', 'short smoke run (200k iterations, 1 repetition)')
    .option('--workloads <list>', `comma-separated (default ${DEFAULT_WORKLOADS.join(',')}; aliases small,medium,mixed,dist)`, listArg)
    .option('--allocators <list>', `comma-separated from ${Object.keys(ALLOCATORS).join(',')}; hakozuna@LANE picks a lane (default ${DEFAULT_ALLOCATORS.join(',')})`, listArg)
    .option('--iterations <n>', 'timed iterations per run (default 20M, the reference count)', intArg)
    .option('--slow-iterations <n>', 'timed iterations for the slow peers thing and gc (default min(iterations, 1M))', intArg)
    .option('--warmup <n>', 'warm-up iterations (default a tenth of the run, at least 50k)', intArg)
    .option('--reps <n>', 'repetitions, each a fresh process (default 3)', intArg)
    .option('--out <dir>', 'output directory (default bench/out/<timestamp>)')
    .option('--lane <lane>', 'lane of hakozuna (default scale)')
    .option('--lane-base <lane>', 'preset a custom --lane name starts from')
    .option('--flag <NAME=VALUE>', 'flag override for hakozuna lanes (repeatable)', flagArg)
    .option('--max-bytes <n>', 'arena size for allocators that reserve one (default 1 GiB)', intArg)
    .option('--progress', 'print a line per run on stderr even when it is not a TTY')
    .option('--no-progress', 'no progress lines')
    .action(async (o: Record<string, unknown>) => {
      const opts: BenchOptions = {
        quick: o.quick === true,
        ...(o.workloads !== undefined ? { workloads: o.workloads as string[] } : {}),
        ...(o.allocators !== undefined ? { allocators: o.allocators as string[] } : {}),
        ...(o.iterations !== undefined ? { iterations: o.iterations as number } : {}),
        ...(o.slowIterations !== undefined ? { slowIterations: o.slowIterations as number } : {}),
        ...(o.warmup !== undefined ? { warmupIterations: o.warmup as number } : {}),
        ...(o.reps !== undefined ? { repetitions: o.reps as number } : {}),
        ...(o.out !== undefined ? { outDir: o.out as string } : {}),
        ...(o.lane !== undefined ? { lane: o.lane as string } : {}),
        ...(o.laneBase !== undefined ? { laneBase: o.laneBase as string } : {}),
        ...(o.flag !== undefined ? { laneFlags: o.flag as Record<string, number> } : {}),
        ...(o.maxBytes !== undefined ? { maxBytes: o.maxBytes as number } : {}),
        ...(o.progress !== undefined && process.argv.some((a) => a === '--progress' || a === '--no-progress')
          ? { progress: o.progress as boolean }
          : {}),
        command: ['hakozuna', ...process.argv.slice(2)].join(' '),
      };
      const { results } = await runBench(opts);
      if (results.runs.some((r) => !r.ok)) process.exitCode = 1;
    });
}

export function buildProgram(): Command {
  const program = new Command('hakozuna')
    .description('hakozuna: a memory allocator over a SharedArrayBuffer, and its research lab')
    .showHelpAfterError();
  program.addCommand(benchCommand());
  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (e) {
    process.stderr.write(`hakozuna: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  }
}
