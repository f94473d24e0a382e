/**
 * The allocators the bench knows (metadata only: the implementations live in
 * bench/allocators/*.ts and are only ever loaded inside their own child bundle).
 *
 * A name may carry a lane: `hakozuna@fast` is the hakozuna allocator built from
 * the `fast` lane (plain `hakozuna` uses the bench's --lane, default `scale`),
 * so an A/B of two lanes is `--allocators hakozuna@scale,hakozuna@fast`.
 */

export type AllocatorKind = 'js' | 'hakozuna' | 'native';

export interface AllocatorInfo {
  readonly name: string;
  readonly kind: AllocatorKind;
  readonly description: string;
  /** Slow peers run `slowIterations` (ops/s is a rate: a shorter run measures the same thing). */
  readonly slow?: boolean;
}

export const ALLOCATORS: Readonly<Record<string, AllocatorInfo>> = {
  noop: { name: 'noop', kind: 'js', description: 'malloc returns a fake pointer, free does nothing: the loop floor' },
  hakozuna: { name: 'hakozuna', kind: 'hakozuna', description: 'this project (lane bundle via scripts/lane-build.mjs)' },
  tlsf: { name: 'tlsf', kind: 'js', description: "AssemblyScript's TLSF (rt/tlsf.ts) compiled to wasm" },
  thing: { name: 'thing', kind: 'js', description: '@thi.ng/malloc MemPool over an ArrayBuffer', slow: true },
  gc: { name: 'gc', kind: 'js', description: 'GC baseline: new Uint8Array(size), free drops the reference', slow: true },
  glibc: { name: 'glibc', kind: 'native', description: 'the same loop in C (bench/native/bench.c) on the C library malloc' },
};

export const DEFAULT_ALLOCATORS = ['noop', 'hakozuna', 'tlsf', 'thing', 'gc', 'glibc'];

export interface AllocatorRef {
  /** As given, e.g. `hakozuna@fast`: the key the results use. */
  readonly id: string;
  readonly info: AllocatorInfo;
  /** hakozuna only: the lane its bundle is built from. */
  readonly lane?: string;
}

export function parseAllocatorRef(id: string, defaultLane: string): AllocatorRef {
  const at = id.indexOf('@');
  const base = at < 0 ? id : id.slice(0, at);
  const info = ALLOCATORS[base];
  if (info === undefined) throw new Error(`unknown allocator "${id}"; known: ${Object.keys(ALLOCATORS).join(', ')}`);
  if (info.kind === 'hakozuna') return { id, info, lane: at < 0 ? defaultLane : id.slice(at + 1) };
  if (at >= 0) throw new Error(`allocator "${id}": only hakozuna takes a lane (@lane)`);
  return { id, info };
}

export function isHakozuna(ref: AllocatorRef): boolean {
  return ref.info.kind === 'hakozuna';
}
