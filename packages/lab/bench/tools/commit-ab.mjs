// Compare two commits (or a commit and the working tree) of hakozuna on random_mixed
// (small, medium, mixed) and dist_app, alternating A B A B, each run its own
// process; prints medians and B/A. Both sides run this tree's workload loops.
//
//   node packages/lab/bench/tools/commit-ab.mjs --a b05a6ae --b WORKTREE [--lane scale] [--reps 7] [--iterations 20000000]
//   node packages/lab/bench/tools/commit-ab.mjs --a WORKTREE --b WORKTREE --b-heap region   (a region heap against a whole-buffer one)
//   node packages/lab/bench/tools/commit-ab.mjs --a b05a6ae --b WORKTREE --icount             (instructions per operation)
//
// --icount counts instructions instead of timing: each side runs under valgrind's callgrind,
// with V8 single-threaded and predictable (--single-threaded --predictable), so the count is
// the same to a few hundred in a billion from run to run, whatever else the machine does. It
// runs each loop twice, at --icount-ops N (default 200000) and 11 N iterations, and prints the
// difference per iteration: start-up and warm-up cancel out. Needs valgrind; about 20 s a run.
//
// --a-heap / --b-heap: 'whole' (default: createHeap({ maxBytes: 1 GiB })) or 'region' (the same
// 1 GiB as a region of a larger SharedArrayBuffer, at an odd offset: see loop.mjs).
//
// Each revision is checked out in a temporary git worktree and bundled with its own
// scripts/lane-build.mjs, so the comparison is of the code as it was.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The repository root (this file is packages/lab/bench/tools/commit-ab.mjs).
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
// --name value, or --name alone (then true).
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, v, i, all) => (v.startsWith('--') ? [...acc, [v.slice(2), all[i + 1] === undefined || all[i + 1].startsWith('--') ? true : all[i + 1]]] : acc), []),
);
const lane = args.lane ?? 'scale';
const reps = Number(args.reps ?? 7);
const iterations = Number(args.iterations ?? 20_000_000);
const heaps = [args['a-heap'] ?? 'whole', args['b-heap'] ?? 'whole'];
for (const h of heaps) if (h !== 'whole' && h !== 'region') throw new Error(`--a-heap/--b-heap must be 'whole' or 'region', got ${h}`);
const cases = { small: ['random_mixed', 16, 2048], medium: ['random_mixed', 4096, 32768], mixed: ['random_mixed', 16, 32768], dist: ['dist_app'] };
if (!args.a || !args.b) {
  console.error('usage: node packages/lab/bench/tools/commit-ab.mjs --a REV --b REV|WORKTREE [--lane L] [--reps N] [--iterations N]');
  process.exit(2);
}

const tmp = mkdtempSync(join(tmpdir(), 'hz-commit-ab-'));
async function bundleOf(rev, side) {
  let src = root;
  if (rev !== 'WORKTREE') {
    src = join(tmp, `src-${side}-${rev}`);
    execFileSync('git', ['-C', root, 'worktree', 'add', '--detach', '-q', src, rev]);
    symlinkSync(join(root, 'node_modules'), join(src, 'node_modules'));
  }
  const { buildLane } = await import(pathToFileURL(join(src, 'scripts', 'lane-build.mjs')).href);
  const { entry } = await buildLane(lane, {}, undefined, { outRoot: join(tmp, `out-${side}-${rev}`) });
  return { rev, src, entry };
}

const sides = [await bundleOf(args.a, 'a'), await bundleOf(args.b, 'b')];
const workloads = join(tmp, 'workloads.mjs');
{
  const esbuild = await import('esbuild');
  await esbuild.build({
    stdin: { contents: "export { randomMixed } from './packages/lab/bench/workloads/random-mixed.ts'; export { distApp } from './packages/lab/bench/workloads/dist-app.ts';", resolveDir: root, loader: 'ts' },
    bundle: true, format: 'esm', platform: 'node', outfile: workloads, logLevel: 'error',
  });
}
const median = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
const loopArgs = (s, workload, n) => [join(root, 'packages', 'lab', 'bench', 'tools', 'loop.mjs'), s.entry, workloads, ...workload.map(String), String(n)];
const loopEnv = (i) => ({ ...process.env, HAKOZUNA_ADDON: join(root, 'native', 'build', 'Release', 'hakozuna_release.node'), HZ_LOOP_HEAP: heaps[i] });

/** Instructions of one run of loop.mjs at `n` iterations (callgrind's I refs). */
function instructions(s, i, workload, n) {
  const out = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, '--single-threaded', '--predictable', ...loopArgs(s, workload, n)], {
    encoding: 'utf8',
    env: loopEnv(i),
  });
  if (out.error) throw new Error(`--icount needs valgrind: ${out.error.message}`);
  const m = /I\s+refs:\s+([\d,]+)/.exec(out.stderr);
  if (out.status !== 0 || !m) throw new Error(`${s.rev}: ${out.stderr.slice(-2000)}`);
  return Number(m[1].replaceAll(',', ''));
}
// loop.mjs runs a warm-up of max(50000, n / 10) iterations before the n it times.
const loopIterations = (n) => n + Math.max(50_000, Math.floor(n / 10));

if (args.icount) {
  const n1 = Number(args['icount-ops'] ?? 200_000);
  const n2 = 11 * n1;
  console.log(`lane ${lane}, heaps A ${heaps[0]}, B ${heaps[1]}; instructions per iteration: callgrind at ${n1} and ${n2} iterations, the difference`);
  try {
    for (const [name, workload] of Object.entries(cases)) {
      const per = sides.map((s, i) => (instructions(s, i, workload, n2) - instructions(s, i, workload, n1)) / (loopIterations(n2) - loopIterations(n1)));
      console.log(`${name.padEnd(7)} A ${args.a}: ${per[0].toFixed(2)}  B ${args.b}: ${per[1].toFixed(2)}  B/A ${(per[1] / per[0]).toFixed(4)}`);
    }
  } finally {
    for (const s of sides) if (s.src !== root) execFileSync('git', ['-C', root, 'worktree', 'remove', '--force', s.src]);
    rmSync(tmp, { recursive: true, force: true });
  }
  process.exit(0);
}
console.log(`lane ${lane}, ${iterations} iterations, ${reps} alternating runs per side; heaps A ${heaps[0]}, B ${heaps[1]}; M ops/s (median, all runs)`);
try {
  for (const [name, workload] of Object.entries(cases)) {
    const got = sides.map(() => []);
    for (let r = 0; r < reps; r++) {
      sides.forEach((s, i) => {
        const out = spawnSync(process.execPath, loopArgs(s, workload, iterations), { encoding: 'utf8', env: loopEnv(i) });
        if (out.status !== 0) throw new Error(`${s.rev}: ${out.stderr}`);
        got[i].push(Number(out.stdout.trim()));
      });
    }
    const [a, b] = got.map(median);
    console.log(`${name.padEnd(7)} A ${args.a}: ${a.toFixed(1)} [${got[0].join(' ')}]  B ${args.b}: ${b.toFixed(1)} [${got[1].join(' ')}]  B/A ${(b / a).toFixed(3)}`);
  }
} finally {
  for (const s of sides) if (s.src !== root) execFileSync('git', ['-C', root, 'worktree', 'remove', '--force', s.src]);
  rmSync(tmp, { recursive: true, force: true });
}
