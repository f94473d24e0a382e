/**
 * The `ab` and `report` subcommands of the `hakozuna` command (cli.ts adds them
 * to the program; one function per subcommand, as there).
 */
import { Command } from 'commander';
import { flagArg, intArg, listArg, percentArg, threadsModeArg } from './cli-args.ts';
import { runAb, type AbOptions } from './ab.ts';
import { reportFromFile } from './report-html.ts';
import { DEFAULT_WORKLOADS } from '../bench/workloads/index.ts';





export function abCommand(): Command {
  return new Command('ab')
    .description(
      'A/B of two lanes: runs A and B alternately (A B A B ..., each run its own process), reports per-pair B/A ratios of speed, heap RSS and process RSS, their medians, and GO / NO-GO (GO: mean heap RSS -10% or better and speed -2% or better)',
    )
    .requiredOption('--a <lane>', 'side A, the baseline: a lane (scale, fast, safe, mem, research, or a custom name), hakozuna@LANE, or a peer id')
    .requiredOption('--b <lane>', 'side B, the candidate (same forms)')
    .requiredOption('--bench <list>', `workloads, comma-separated (known: ${DEFAULT_WORKLOADS.join(',')}; aliases small,medium,mixed,dist)`, listArg)
    .option('--pairs <n>', 'pairs of runs per workload (default 5)', intArg)
    .option('--flag-a <NAME=VALUE>', 'flag override for side A (repeatable)', flagArg)
    .option('--flag-b <NAME=VALUE>', 'flag override for side B (repeatable)', flagArg)
    .option('--base-a <lane>', 'preset a custom lane name of side A starts from (default scale)')
    .option('--base-b <lane>', 'preset a custom lane name of side B starts from (default scale)')
    .option('--quick', "short runs: the bench's --quick counts (200k iterations, quick parameters of multi-worker workloads)")
    .option('--iterations <n>', 'timed iterations per run (default 20M)', intArg)
    .option('--warmup <n>', 'warm-up iterations (default a tenth of the run, at least 50k)', intArg)
    .option('--max-bytes <n>', 'arena size (default 1 GiB)', intArg)
    .option('--threads-mode <list>', 'multi-worker workloads: pooled (default), spawn, or pooled,spawn (see bench --help)', threadsModeArg)
    .option('--rss-gate <pct>', 'largest accepted mean heap RSS change of B, percent (default -10; process RSS where a side has no heap RSS)', percentArg)
    .option('--speed-gate <pct>', 'smallest accepted speed change of B, percent (default -2)', percentArg)
    .option('--max-release-rate <n>', 'also gate: B may make at most this many release calls per second', intArg)
    .option('--out <dir>', 'output directory (default ./bench/out/ab-<timestamp> under the current directory)')
    .option('--exit-code', 'exit 2 on NO-GO (for scripts); the default exits 0 whatever the verdict')
    .option('--progress', 'print a line per run on stderr even when it is not a TTY')
    .option('--no-progress', 'no progress lines')
    .action(async (o: Record<string, unknown>) => {
      const criteria = {
        ...(o.rssGate !== undefined ? { rssMaxRatio: 1 + (o.rssGate as number) / 100 } : {}),
        ...(o.speedGate !== undefined ? { speedMinRatio: 1 + (o.speedGate as number) / 100 } : {}),
        ...(o.maxReleaseRate !== undefined ? { maxReleaseCallsPerSec: o.maxReleaseRate as number } : {}),
      };
      const opts: AbOptions = {
        a: o.a as string,
        b: o.b as string,
        workloads: o.bench as string[],
        ...(o.pairs !== undefined ? { pairs: o.pairs as number } : {}),
        ...(o.flagA !== undefined ? { flagsA: o.flagA as Record<string, number> } : {}),
        ...(o.flagB !== undefined ? { flagsB: o.flagB as Record<string, number> } : {}),
        ...(o.baseA !== undefined ? { baseA: o.baseA as string } : {}),
        ...(o.baseB !== undefined ? { baseB: o.baseB as string } : {}),
        ...(o.quick === true ? { quick: true } : {}),
        ...(o.iterations !== undefined ? { iterations: o.iterations as number } : {}),
        ...(o.warmup !== undefined ? { warmupIterations: o.warmup as number } : {}),
        ...(o.maxBytes !== undefined ? { maxBytes: o.maxBytes as number } : {}),
        ...(o.threadsMode !== undefined ? { threadsModes: o.threadsMode as ('pooled' | 'spawn')[] } : {}),
        ...(o.out !== undefined ? { outDir: o.out as string } : {}),
        ...(Object.keys(criteria).length > 0 ? { criteria } : {}),
        ...(o.progress !== undefined && process.argv.some((x) => x === '--progress' || x === '--no-progress') ? { progress: o.progress as boolean } : {}),
        command: ['hakozuna', ...process.argv.slice(2)].join(' '),
      };
      const { results } = await runAb(opts);
      if (results.runs.some((r) => !r.ok) || results.allocators.some((a) => a.status === 'skipped')) process.exitCode = 1;
      else if (o.exitCode === true && results.ab.verdict !== 'GO') process.exitCode = 2;
    });
}

export function reportCommand(): Command {
  return new Command('report')
    .description('regenerate the HTML report (static, self-contained) from a results.json of bench or ab')
    .argument('<results.json>', 'the JSON a bench or ab run wrote')
    .option('--out <file>', 'where to write the HTML (default report.html beside the JSON)')
    .action((file: string, o: { out?: string }) => {
      const { outFile } = reportFromFile(file, o.out);
      process.stdout.write(`report: ${outFile}\n`);
    });
}
