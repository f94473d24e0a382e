#!/usr/bin/env node
// The layer rule of the code base: which folders (or files) make each layer,
// bottom first. A file may import files of its own layer and of the layers
// below it, never above, and no chain of imports may come back to where it
// started (type-only imports included). test/layers.test.ts checks the whole
// import graph against this list, and that docs/ARCHITECTURE.md's layer table
// is the one this script writes:
//
//   node scripts/layers.mjs            print the import graph's violations (exit 1 if any)
//   node scripts/layers.mjs --table    print the layer table for docs/ARCHITECTURE.md
//
// Imports are read with TypeScript's own pre-parser (ts.preProcessFile), which
// sees `import type`, re-exports and dynamic imports alike.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Bottom first. `paths` are folders (ending in /) or files, relative to the repository. */
export const LAYERS = [
  { layer: 'config', paths: ['src/config/'], owns: 'the one registry of build-time flags (what each requires) and lanes; the code sees flags only as constants the build defines, declared in globals.d.ts, which the build writes from the registry' },
  { layer: 'base', paths: ['src/base/'], owns: '`HeapError` and `show()`: the error vocabulary every layer speaks' },
  { layer: 'platform', paths: ['src/platform/'], owns: 'the host and the OS: Node or browser (thread id, env, exit hooks, stderr, watching a worker, finding the addon), and page release and residency (madvise, mincore)' },
  { layer: 'heap', paths: ['src/heap/'], owns: 'the allocator: layout, size classes, arena, locks, segments, central, remote frees, the hot path, large blocks, reclaim, threads, checks, page release books; hooks for the layers above' },
  { layer: 'observe', paths: ['src/observe/'], owns: 'counters declared once, the S56 observer, the RSS breakdown, the one-shot report' },
  { layer: 'boxes', paths: ['src/boxes/'], owns: 'what runs at the epoch: the dispatcher (by refills and by time), decay purge, S55-3, S55-3B, S61' },
  { layer: 'api', paths: ['src/api/'], owns: '`createHeap`, `attachHeap`, `Heap`; plugs the lane\'s boxes and observers into the heap\'s hooks (wiring.ts)' },
  { layer: 'faces', paths: ['src/index.ts', 'src/pool.ts'], owns: 'what a user imports: the package entry and the IMemPool face' },
  { layer: 'build', paths: ['scripts/'], owns: 'the lane build (esbuild bundles of the library, one per lane), the addon build, test set-up' },
  { layer: 'lab bench', paths: ['packages/lab/bench/'], owns: 'the lab\'s protocols, workloads and allocator adapters (what one run executes)' },
  { layer: 'lab runner', paths: ['packages/lab/src/'], owns: 'the `hakozuna` command: runs, statistics, A/B verdicts, reports, lane builds' },
];

/** The layer index of a repository-relative path, or -1 when no layer holds it. */
export function layerOf(path) {
  let best = -1;
  let bestLen = -1;
  LAYERS.forEach((l, i) => {
    for (const p of l.paths) {
      const hit = p.endsWith('/') ? path.startsWith(p) : path === p;
      if (hit && p.length > bestLen) {
        best = i;
        bestLen = p.length;
      }
    }
  });
  return best;
}

function sourceFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) {
        if (f !== 'node_modules' && f !== 'dist') walk(p);
      } else if (/\.(ts|mts|mjs)$/.test(f) && !f.endsWith('.d.ts') && !f.endsWith('.d.mts')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Every import of every TypeScript file in the layers' folders: { from, to } as repository-relative paths. */
export function importGraph() {
  const files = [...new Set(LAYERS.flatMap((l) => l.paths.map((p) => p.replace(/\/$/, ''))).map((p) => p.split('/').slice(0, p.startsWith('packages/') ? 3 : 1).join('/')))]
    .flatMap((top) => sourceFiles(join(ROOT, top)))
    .map((f) => relative(ROOT, f).split('\\').join('/'))
    .filter((f) => layerOf(f) >= 0);
  const edges = [];
  for (const from of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, from), 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      let to;
      if (fileName.startsWith('.')) to = relative(ROOT, resolve(ROOT, dirname(from), fileName));
      else if (fileName === 'hakozuna/lane-build') to = 'scripts/lane-build.mjs'; // the package's export of it
      else if (fileName.startsWith('hakozuna/')) to = fileName.slice('hakozuna/'.length); // the lab reads the library's sources
      else continue; // node:, npm packages
      edges.push({ from, to: to.split('\\').join('/') });
    }
  }
  return { files, edges };
}

/** What breaks the rule: imports of a higher layer, imports of a file in no layer, and cycles. */
export function violations() {
  const { files, edges } = importGraph();
  const out = [];
  for (const { from, to } of edges) {
    const a = layerOf(from);
    const b = layerOf(to);
    if (b < 0) out.push(`${from} imports ${to}, which is in no layer`);
    else if (b > a) out.push(`${from} (${LAYERS[a].layer}) imports ${to} (${LAYERS[b].layer}): an upward import`);
  }
  const next = new Map(files.map((f) => [f, []]));
  for (const { from, to } of edges) next.get(from)?.push(to);
  const state = new Map();
  const stack = [];
  const visit = (f) => {
    state.set(f, 1);
    stack.push(f);
    for (const g of next.get(f) ?? []) {
      if (state.get(g) === 1) out.push(`a cycle: ${[...stack.slice(stack.indexOf(g)), g].join(' -> ')}`);
      else if (!state.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, 2);
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return out;
}

/** The layer table of docs/ARCHITECTURE.md, bottom first. */
export function layerTable() {
  const rows = LAYERS.map((l, i) => `| ${i} | ${l.layer} | ${l.paths.map((p) => `\`${p}\``).join(', ')} | ${l.owns} |`);
  return ['| # | layer | files | what it owns |', '|---:|---|---|---|', ...rows].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  if (process.argv.includes('--table')) console.log(layerTable());
  else {
    const v = violations();
    for (const line of v) console.log(line);
    console.log(v.length === 0 ? 'the layer rule holds' : `${v.length} violation(s)`);
    process.exit(v.length === 0 ? 0 : 1);
  }
}
