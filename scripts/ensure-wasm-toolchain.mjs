#!/usr/bin/env node
// Makes sure clang (with its WebAssembly target) and wasm-ld are there for the
// WebAssembly test (test/platform/wasm.test.ts compiles test/fixtures/wasm/exchange.c to
// wasm32 with shared memory). Usage: node scripts/ensure-wasm-toolchain.mjs
//
// - Found (CLANG and WASM_LD env, a Debian /usr/lib/llvm-<N>/bin pair, or clang and
//   wasm-ld on PATH, the clang able to target wasm32): done.
// - Otherwise, when we are root and apt-get exists: apt-get update && apt-get install -y
//   clang lld (Debian's packages; lld brings wasm-ld).
// - Otherwise, or when the install fails: say so clearly and exit 0; the WebAssembly
//   test then skips itself with the same message. Never fails the test command.
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The full path of `name` on PATH (or `name` itself when it is a path that exists), or undefined. */
function onPath(name) {
  if (name.includes('/')) return existsSync(name) ? name : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** True when this clang lists wasm32 among its targets. */
function targetsWasm(clang) {
  const r = spawnSync(clang, ['--print-targets'], { encoding: 'utf8' });
  return r.status === 0 && /\bwasm32\b/.test(r.stdout);
}

/**
 * Pairs to try, best first: the environment's, Debian's versioned LLVM
 * directories (newest first, a clang with the wasm-ld of its own version),
 * then whatever clang and wasm-ld PATH has (Debian's unversioned links).
 */
function candidates() {
  const out = [];
  if (process.env.CLANG || process.env.WASM_LD) out.push([process.env.CLANG ?? 'clang', process.env.WASM_LD ?? 'wasm-ld']);
  let versions = [];
  try {
    versions = readdirSync('/usr/lib')
      .map((d) => /^llvm-(\d+)$/.exec(d)?.[1])
      .filter((v) => v !== undefined)
      .map(Number)
      .sort((a, b) => b - a);
  } catch {
    // no /usr/lib (not Linux): PATH only
  }
  for (const v of versions) out.push([`/usr/lib/llvm-${v}/bin/clang`, `/usr/lib/llvm-${v}/bin/wasm-ld`]);
  out.push(['clang', 'wasm-ld']);
  for (const v of versions) out.push([`clang-${v}`, `wasm-ld-${v}`]);
  return out;
}

/** { clang, wasmLd } (full paths) when a usable pair is installed, else undefined. */
export function findWasmToolchain() {
  for (const [c, l] of candidates()) {
    const clang = onPath(c);
    const wasmLd = onPath(l);
    if (clang && wasmLd && targetsWasm(clang)) return { clang, wasmLd };
  }
  return undefined;
}

function run(cmd, args) {
  process.stderr.write(`[ensure-wasm-toolchain] ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.error === undefined && r.status === 0;
}

/** Returns { clang, wasmLd } when the toolchain is (now) there, else { reason }. */
export function ensureWasmToolchain() {
  const found = findWasmToolchain();
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) return { reason: 'clang and wasm-ld are not installed and we are not root (apt-get install clang lld needs root)' };
  if (spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) return { reason: 'clang and wasm-ld are not installed and apt-get is not available' };
  if (!run('apt-get', ['update'])) return { reason: 'apt-get update failed (no network to the Debian mirror?)' };
  if (!run('apt-get', ['install', '-y', '--no-install-recommends', 'clang', 'lld'])) return { reason: 'apt-get install -y clang lld failed' };
  const now = findWasmToolchain();
  return now ?? { reason: 'apt-get install clang lld ran but no clang with a wasm32 target and wasm-ld pair was found' };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = ensureWasmToolchain();
  if (r.clang) process.stdout.write(`[ensure-wasm-toolchain] clang: ${r.clang}, wasm-ld: ${r.wasmLd}\n`);
  else process.stdout.write(`[ensure-wasm-toolchain] no wasm toolchain: ${r.reason}. The WebAssembly test will be skipped.\n`);
}

export const SCRIPT = fileURLToPath(import.meta.url);
