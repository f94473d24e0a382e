/**
 * The native peers: the same workloads in C (bench/native/bench.c, the
 * single-threaded loops; bench/native/mt.c, larson and mstress with pthreads),
 * compiled at run time into the bench's build directory with $CC (default cc),
 * run on the C library's malloc (glibc) or, through LD_PRELOAD, on the malloc of
 * a shared library Debian packages: mimalloc (libmimalloc2.0), jemalloc
 * (libjemalloc2), tcmalloc (libtcmalloc-minimal4). A library that is not
 * installed, or a missing compiler, skips that allocator with a one-line note.
 * Each C child reports which malloc it really called (dlsym of a symbol only
 * that library has), and the parent fails a run whose preload did not take.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Launch } from './launch.ts';

/** A malloc loaded with LD_PRELOAD. */
export interface PreloadLibrary {
  /** What the C child reports when this malloc is the one it calls (bench/native/mt.c malloc_name). */
  readonly name: string;
  /** Sonames to look for, in order. */
  readonly sonames: readonly string[];
  /** The Debian package that installs it (named in the skip note). */
  readonly debianPackage: string;
}

export const PRELOADS: Readonly<Record<string, PreloadLibrary>> = {
  mimalloc: { name: 'mimalloc', sonames: ['libmimalloc.so.2', 'libmimalloc.so'], debianPackage: 'libmimalloc2.0' },
  jemalloc: { name: 'jemalloc', sonames: ['libjemalloc.so.2', 'libjemalloc.so'], debianPackage: 'libjemalloc2' },
  tcmalloc: { name: 'tcmalloc', sonames: ['libtcmalloc_minimal.so.4', 'libtcmalloc_minimal.so'], debianPackage: 'libtcmalloc-minimal4' },
};

const LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib', '/lib/x86_64-linux-gnu'];

/** The path of the first soname the dynamic loader knows (ldconfig -p), else found in the usual directories; undefined if none. */
export function findLibrary(sonames: readonly string[], dirs: readonly string[] = LIB_DIRS): string | undefined {
  const cache = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' });
  const listed = cache.status === 0 ? cache.stdout : '';
  for (const so of sonames) {
    const m = new RegExp(`^\\s*${so.replace(/[.+]/g, '\\$&')} \\(([^)]*)\\) => (\\S+)$`, 'm').exec(listed);
    if (m !== null && /x86-64|AArch64|64/.test(m[1]!) && existsSync(m[2]!)) return m[2]!;
    for (const d of dirs) if (existsSync(join(d, so))) return join(d, so);
  }
  return undefined;
}

interface Binaries {
  readonly bench?: string;
  readonly mt?: string;
  /** Why a binary is missing. */
  readonly benchNote?: string;
  readonly mtNote?: string;
}

const built = new Map<string, Binaries>();

function compile(cc: string, src: string, out: string, libs: readonly string[]): string | undefined {
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs) return undefined;
  const args = ['-O2', '-pthread', '-fno-builtin-malloc', '-fno-builtin-free', '-o', out, src, ...libs];
  const r = spawnSync(cc, args, { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) {
    const why = r.error !== undefined ? r.error.message : (r.stderr || '').trim().split('\n').slice(0, 3).join(' | ');
    return `no working C compiler (${cc} ${args.join(' ')}: ${why})`;
  }
  return undefined;
}

/** Compile both C programs once per build directory (every native allocator runs the same binaries). */
export function nativeBinaries(root: string, buildDir: string): Binaries {
  const have = built.get(buildDir);
  if (have !== undefined) return have;
  const outDir = join(buildDir, 'native');
  mkdirSync(outDir, { recursive: true });
  const cc = process.env.CC || 'cc';
  const bench = join(outDir, 'bench-native');
  const mt = join(outDir, 'bench-native-mt');
  const benchNote = compile(cc, join(root, 'bench', 'native', 'bench.c'), bench, ['-ldl']);
  const mtNote = compile(cc, join(root, 'bench', 'native', 'mt.c'), mt, ['-ldl']);
  const b: Binaries = { ...(benchNote === undefined ? { bench } : { benchNote }), ...(mtNote === undefined ? { mt } : { mtNote }) };
  built.set(buildDir, b);
  return b;
}

/** The launch of a native allocator: glibc as is, a preloaded one with LD_PRELOAD set, or a skip with the reason. */
export function nativeLaunch(root: string, buildDir: string, id: string): Launch {
  const bins = nativeBinaries(root, buildDir);
  if (bins.bench === undefined) return { kind: 'skip', note: `${bins.benchNote}: ${id} skipped` };
  const pre = PRELOADS[id];
  const mtPart = bins.mt !== undefined ? { mtFile: bins.mt } : { mtNote: bins.mtNote! };
  if (pre === undefined) return { kind: 'exec', file: bins.bench, ...mtPart, malloc: 'glibc' };
  return preloadLaunch({ bench: bins.bench, ...mtPart }, id, pre);
}

/** The launch of the C programs under a preloaded malloc, or a one-line skip when its library is not installed. */
export function preloadLaunch(
  bins: { readonly bench: string; readonly mtFile?: string; readonly mtNote?: string },
  id: string,
  pre: PreloadLibrary,
  find: (sonames: readonly string[]) => string | undefined = findLibrary,
): Launch {
  const lib = find(pre.sonames);
  if (lib === undefined) return { kind: 'skip', note: `${id}: ${pre.sonames[0]} not found (Debian: apt-get install ${pre.debianPackage}): skipped` };
  const { bench, ...mtPart } = bins;
  return { kind: 'exec', file: bench, ...mtPart, env: { LD_PRELOAD: lib }, malloc: pre.name, library: lib };
}
