/**
 * `hakozuna build` (a lane bundle from a preset and NAME=VALUE flags),
 * `hakozuna observe medium-waste` (the S56 verdict) and `hakozuna observe rss`
 * (the RSS breakdown and its verdict). See src/config/flags.ts for every flag,
 * packages/lab/src/observe.ts and observe-rss.ts for the verdict rules.
 */
import { Command } from 'commander';
import { FLAG_SPECS, LANES, parseFlagAssignments } from 'hakozuna/src/config/flags.ts';
import { observeMediumWaste, type ObserveOptions } from './observe.ts';
import { observeRss } from './observe-rss.ts';
import { defaultLanesDir, laneBuild } from './root.ts';
import * as esbuild from 'esbuild';
import { listArg } from './cli-args.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];



export function buildCommand(): Command {
  return new Command('build')
    .description('build a lane bundle: a preset, or a custom lane from NAME=VALUE flags (./bench/out/lanes/<lane>/index.js)')
    .option('--lane <name>', `lane name: a preset (${Object.keys(LANES).join(', ')}) or a new name for a custom lane`, 'scale')
    .option('--base <preset>', 'the preset a custom lane starts from', 'scale')
    .option('--flag <NAME=VALUE>', 'flag override (repeatable); see --list', collect)
    .option('--out <dir>', 'where lanes go (default ./bench/out/lanes)')
    .option('--list', 'list every flag with its default and meaning, and the presets')
    .action(async (o: { lane: string; base: string; flag?: string[]; out?: string; list?: boolean }) => {
      if (o.list) {
        for (const s of FLAG_SPECS) console.log(`${s.name}=${s.default}  [${s.kind}, ${s.min}..${s.max}]  ${s.doc}`);
        console.log('');
        for (const [name, l] of Object.entries(LANES)) console.log(`${name}: ${l.doc} ${JSON.stringify(l.flags)}`);
        return;
      }
      const overrides = parseFlagAssignments(o.flag ?? []);
      const { buildLane } = await laneBuild();
      const { entry, resolved } = await buildLane(o.lane, overrides, o.base, { outRoot: o.out ?? defaultLanesDir(), esbuild });
      const changed = FLAG_SPECS.filter((s) => resolved.flags[s.name] !== s.default).map((s) => `${s.name}=${resolved.flags[s.name]}`);
      console.log(`lane ${resolved.lane}: ${entry}`);
      console.log(`flags that differ from the defaults: ${changed.length > 0 ? changed.join(' ') : '(none)'}`);
      console.log('every thread of a heap must load this same bundle (attachHeap refuses another lane)');
    });
}

/**
 * One `observe` subcommand: run the workloads (--bench) or the user's program
 * (--script) in the research lane with the observer's flags on, and print what
 * `run` makes of their one-shot lines.
 */
function observeSubcommand(
  name: string,
  description: string,
  example: string,
  observerFlags: Record<string, number>,
  run: (opts: ObserveOptions) => Promise<unknown>,
): Command {
  return new Command(name)
    .description(description)
    .option('--bench <list>', `workloads to run in the research lane (e.g. ${example})`, listArg)
    .option('--script <file>', 'your own program that imports \'hakozuna\'; run with the research lane (args after --)')
    .option('--flag <NAME=VALUE>', 'extra flag for the observed lane (repeatable)', collect)
    .option('--quick', 'short runs of the workloads')
    .option('--out <dir>', 'where the bench writes results.json')
    .argument('[args...]', 'arguments for --script')
    .action(async (args: string[], o: { bench?: string[]; script?: string; flag?: string[]; quick?: boolean; out?: string }) => {
      if (!o.bench && !o.script) throw new Error(`observe ${name}: name workloads with --bench, or a program with --script`);
      const flags = parseFlagAssignments(o.flag ?? []);
      await run({
        ...(o.bench ? { bench: o.bench } : {}),
        ...(o.script ? { script: [o.script, ...args] } : {}),
        flags: { ...observerFlags, ...flags },
        lane: Object.keys(flags).length > 0 ? 'research-custom' : 'research',
        ...(o.quick ? { quick: true } : {}),
        ...(o.out ? { outDir: o.out } : {}),
      });
    });
}

export function observeCommand(): Command {
  return new Command('observe')
    .description('one-shot observations with a verdict (the seed\'s next step)')
    .addCommand(
      observeSubcommand(
        'medium-waste',
        'S56: how much the 4 KiB medium rounding wastes; prints the observer lines and [HZ3_S56_VERDICT]',
        'mstress,larson',
        { HZ3_S56_MEDIUM_WASTE_OBSERVE: 1, HZ3_S49_PACK_OBSERVE: 1 },
        observeMediumWaste,
      ),
    )
    .addCommand(
      observeSubcommand(
        'rss',
        'where the heap\'s resident bytes are (live, rounding waste, caches, free pages, metadata); prints [HZ3_RSS_BREAKDOWN] lines and [HZ3_RSS_VERDICT]',
        'mstress,larson,dist_app',
        { HZ3_RSS_BREAKDOWN_OBSERVE: 1 },
        observeRss,
      ),
    );
}
