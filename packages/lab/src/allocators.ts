/**
 * The allocators the bench knows (metadata only: the implementations live in
 * bench/allocators/*.ts and are only ever loaded inside their own child bundle).
 *
 * A name may carry a lane: `hakozuna@fast` is the hakozuna allocator built from
 * the `fast` lane (plain `hakozuna` uses the bench's --lane, default `scale`),
 * so an A/B of two lanes is `--allocators hakozuna@scale,hakozuna@fast`.
 */
import { parseFlagAssignments } from 'hakozuna/src/config/flags.ts';

export type AllocatorKind = 'js' | 'hakozuna' | 'native';

export interface AllocatorInfo {
  readonly name: string;
  readonly kind: AllocatorKind;
  readonly description: string;
  /** Slow peers run `slowIterations` (ops/s is a rate: a shorter run measures the same thing). */
  readonly slow?: boolean;
  /**
   * Multi-worker workloads (packages/lab/src/mt-bench.ts): how the allocator is shared
   * between workers, or why it cannot take part.
   */
  readonly multiWorker: { readonly supported: true; readonly sharing: string } | { readonly supported: false; readonly note: string };
}

export const ALLOCATORS: Readonly<Record<string, AllocatorInfo>> = {
  noop: {
    name: 'noop',
    kind: 'js',
    description: 'malloc returns a fake pointer, free does nothing: the loop floor',
    multiWorker: { supported: true, sharing: 'none: fake pointers, a private scratch buffer per thread (only where blocks hold no data)' },
  },
  hakozuna: {
    name: 'hakozuna',
    kind: 'hakozuna',
    description: 'the hakozuna library (a lane bundle built by its scripts/lane-build.mjs)',
    multiWorker: { supported: true, sharing: 'createHeap in the main thread, attachHeap(handle) in each worker (thread caches, remote free)' },
  },
  tlsf: {
    name: 'tlsf',
    kind: 'js',
    description: "AssemblyScript's TLSF (rt/tlsf.ts) compiled to wasm",
    multiWorker: { supported: true, sharing: 'one futex lock around one TLSF over a shared WebAssembly.Memory (bench/peers/tlsf-shared.ts)' },
  },
  thing: {
    name: 'thing',
    kind: 'js',
    description: '@thi.ng/malloc MemPool over an ArrayBuffer',
    slow: true,
    multiWorker: { supported: true, sharing: 'one futex lock around one MemPool over a SharedArrayBuffer (skipInitialization in workers)' },
  },
  gc: {
    name: 'gc',
    kind: 'js',
    description: 'GC baseline: new Uint8Array(size), free drops the reference',
    slow: true,
    multiWorker: { supported: false, note: 'gc: a JS object cannot be shared between workers (no shared GC heap), so the GC baseline has no multi-worker form' },
  },
  glibc: {
    name: 'glibc',
    kind: 'native',
    description: 'the same loops in C (bench/native/bench.c; larson and mstress with pthreads in bench/native/mt.c) on the C library malloc',
    multiWorker: { supported: true, sharing: 'C malloc, pthreads (larson and mstress only: bench/native/mt.c)' },
  },
  // The same C programs under another malloc, through LD_PRELOAD of the library Debian packages (packages/lab/src/native.ts);
  // skipped with a note where the library is not installed.
  mimalloc: {
    name: 'mimalloc',
    kind: 'native',
    description: 'the C programs under mimalloc (LD_PRELOAD of libmimalloc.so.2, Debian libmimalloc2.0)',
    multiWorker: { supported: true, sharing: 'mimalloc, pthreads (larson and mstress only)' },
  },
  jemalloc: {
    name: 'jemalloc',
    kind: 'native',
    description: 'the C programs under jemalloc (LD_PRELOAD of libjemalloc.so.2, Debian libjemalloc2)',
    multiWorker: { supported: true, sharing: 'jemalloc, pthreads (larson and mstress only)' },
  },
  tcmalloc: {
    name: 'tcmalloc',
    kind: 'native',
    description: 'the C programs under tcmalloc (LD_PRELOAD of libtcmalloc_minimal.so.4, Debian libtcmalloc-minimal4)',
    multiWorker: { supported: true, sharing: 'tcmalloc, pthreads (larson and mstress only)' },
  },
};

/**
 * Lab lanes: names that `hakozuna@NAME` accepts beside the presets of
 * src/config/flags.ts, each a custom lane (base `scale`) with these flags.
 */
export const LAB_LANES: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  s61: { HZ3_S61_THREAD_EXIT_PURGE: 1 },
  's55-3': { HZ3_S55_3_MEDIUM_SUBRELEASE: 1 },
  's55-3b': { HZ3_S55_3B_DELAYED_SUBRELEASE: 1 },
};

export const DEFAULT_ALLOCATORS = ['noop', 'hakozuna', 'tlsf', 'thing', 'gc', 'glibc', 'mimalloc', 'jemalloc', 'tcmalloc'];

export interface AllocatorRef {
  /** As given, e.g. `hakozuna@fast`: the key the results use. */
  readonly id: string;
  readonly info: AllocatorInfo;
  /** hakozuna only: the lane its bundle is built from. */
  readonly lane?: string;
  /**
   * hakozuna only: flag overrides of this variant alone, from a lab lane
   * (`hakozuna@s61`) or written in the id (`hakozuna@mylane+HZ3_S61_THREAD_EXIT_PURGE=1+HZ3_EPOCH_REFILLS=256`).
   * They apply on top of the bench's --flag values.
   */
  readonly flags?: Readonly<Record<string, number>>;
}

/**
 * `name`, `hakozuna@LANE`, or `hakozuna@LANE+FLAG=V+FLAG=V` (flags for this
 * variant only; `+` because `,` separates allocators on the command line).
 */
export function parseAllocatorRef(id: string, defaultLane: string): AllocatorRef {
  const at = id.indexOf('@');
  const base = at < 0 ? id : id.slice(0, at);
  const info = ALLOCATORS[base];
  if (info === undefined) throw new Error(`unknown allocator "${id}"; known: ${Object.keys(ALLOCATORS).join(', ')}`);
  if (info.kind === 'hakozuna') {
    if (at < 0) return { id, info, lane: defaultLane };
    // `#tag` marks a second copy of one variant (hakozuna ab's A/A runs); flags may also be joined by ','.
    const [lane, ...assignments] = id
      .slice(at + 1)
      .replace(/#.*$/, '')
      .split(/[+,]/);
    if (lane === undefined || lane === '') throw new Error(`allocator "${id}": no lane after @`);
    let given: Record<string, number>;
    try {
      given = parseFlagAssignments(assignments);
    } catch (e) {
      throw new Error(`allocator "${id}": ${(e as Error).message}`);
    }
    const flags: Record<string, number> = { ...(LAB_LANES[lane] ?? {}), ...given };
    return Object.keys(flags).length > 0 ? { id, info, lane, flags } : { id, info, lane };
  }
  if (at >= 0) throw new Error(`allocator "${id}": only hakozuna takes a lane (@lane)`);
  return { id, info };
}

export function isHakozuna(ref: AllocatorRef): boolean {
  return ref.info.kind === 'hakozuna';
}
