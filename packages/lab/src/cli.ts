/**
 * The `hakozuna` command (bin/hakozuna.js imports the bundle of this file,
 * dist/cli.js, built by scripts/build-cli.mjs). One function per subcommand:
 * `bench`, `ab`, `report`, `build` and `observe`.
 */
import { Command } from 'commander';
import { flagArg, intArg, listArg, paramArg, threadsArg, threadsModeArg } from './cli-args.ts';

export { intArg };
import { runBench, type BenchOptions } from './bench.ts';
import { ALLOCATORS, DEFAULT_ALLOCATORS } from './allocators.ts';
import { DEFAULT_WORKLOADS } from '../bench/workloads/index.ts';
import { DEFAULT_MT_WORKLOADS } from './mt-bench.ts';
import { abCommand, reportCommand } from './cli-lab.ts';
import { buildCommand, observeCommand } from './cli-lanes.ts';






export function benchCommand(): Command {
  return new Command('bench')
    .description('the workloads of BENCHMARKS.md (single-threaded, then multi-worker) over hakozuna and the peer allocators, one child process per run')
    .option('--quick', 'short smoke run (200k iterations, 1 repetition; the multi-worker workloads at their quick sizes)')
    .option(
      '--workloads <list>',
      `comma-separated (default ${[...DEFAULT_WORKLOADS, ...DEFAULT_MT_WORKLOADS].join(',')}; aliases small,medium,mixed,dist, mt (every multi-worker one), mt_remote, xmalloc)`,
      listArg,
    )
    .option(
      '--allocators <list>',
      `comma-separated from ${Object.keys(ALLOCATORS).join(',')}; hakozuna@LANE picks a lane (also the lab lanes s61, s55-3b), ` +
        `hakozuna@LANE+FLAG=V+FLAG=V adds flags to that variant alone (default ${DEFAULT_ALLOCATORS.join(',')}, plus each multi-worker workload's extra lanes)`,
      listArg,
    )
    .option('--iterations <n>', 'timed iterations per run (default 20M, the reference count)', intArg)
    .option('--slow-iterations <n>', 'timed iterations for the slow peers thing and gc (default min(iterations, 1M))', intArg)
    .option('--warmup <n>', 'warm-up iterations (default a tenth of the run, at least 50k)', intArg)
    .option('--reps <n>', 'repetitions, each a fresh process (default 3)', intArg)
    .option('--out <dir>', 'output directory (default ./bench/out/<timestamp> under the current directory)')
    .option('--lane <lane>', 'lane of hakozuna (default scale)')
    .option('--lane-base <lane>', 'preset a custom --lane name starts from')
    .option('--flag <NAME=VALUE>', 'flag override for hakozuna lanes (repeatable)', flagArg)
    .option('--max-bytes <n>', 'arena size for allocators that reserve one (default 1 GiB)', intArg)
    .option('--threads <list>', 'multi-worker workloads: worker counts, comma-separated (default 2; larson 1,2)', threadsArg)
    .option('--param <KEY=V>', 'multi-worker workloads: a parameter, KEY=V or WORKLOAD.KEY=V, e.g. larson.seconds=5 (repeatable)', paramArg)
    .option(
      '--threads-mode <list>',
      'multi-worker workloads: pooled (default: a thread is attachHeap in an already started worker, its exit heap.detach()), spawn (a new Worker per thread), or pooled,spawn (both, side by side)',
      threadsModeArg,
    )
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
        ...(o.threads !== undefined ? { threads: o.threads as number[] } : {}),
        ...(o.param !== undefined ? { params: o.param as Record<string, number> } : {}),
        ...(o.threadsMode !== undefined ? { threadsModes: o.threadsMode as ('pooled' | 'spawn')[] } : {}),
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
  program.addCommand(abCommand());
  program.addCommand(reportCommand());
  program.addCommand(buildCommand());
  program.addCommand(observeCommand());
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
