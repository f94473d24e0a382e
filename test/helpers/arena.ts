/**
 * Arenas for unit tests of src/heap: the bare layout over a new buffer, with no
 * heap in it (no slot claimed, nothing carved), and another thread's view of an
 * arena. No vitest import: worker scripts (test/workers/heap-*.ts) use it too.
 */
import { workerData } from 'node:worker_threads';
import { Arena } from '../../src/heap/arena.ts';
import { H_FIRST_DATA_SEGMENT, H_FRESH_SEGMENT, H_TIME_ORIGIN_F64, SEGMENT_SIZE } from '../../src/heap/layout.ts';

/** What a worker needs to see an arena: its buffer and where the heap is in it. */
export interface ArenaHandle {
  readonly buffer: SharedArrayBuffer;
  readonly base: number;
  readonly bytes: number;
  readonly maxThreads: number;
}

/** An arena of `segments` MiB over a new buffer: laid out, its segments never used, no thread attached. */
export function bareArena(segments = 8, maxThreads = 4): Arena {
  const bytes = segments * SEGMENT_SIZE;
  const a = new Arena(new SharedArrayBuffer(bytes), 0, bytes, maxThreads);
  a.u32[H_FIRST_DATA_SEGMENT] = a.layout.firstDataSegment;
  a.u32[H_FRESH_SEGMENT] = a.layout.firstDataSegment;
  a.f64[H_TIME_ORIGIN_F64 >>> 1] = Date.now();
  return a;
}

export const handleOf = (a: Arena): ArenaHandle => ({
  buffer: a.buffer as SharedArrayBuffer,
  base: a.base,
  bytes: a.layout.arenaBytes,
  maxThreads: a.layout.maxThreads,
});

/** Another Arena object over the same heap, whose thread is slot `slot`'s in lock words (`me` = slot + 1). */
export function arenaView(h: ArenaHandle, slot: number): Arena {
  const a = new Arena(h.buffer, h.base, h.bytes, h.maxThreads);
  a.me = slot + 1;
  return a;
}

/** Heap offset of the first data page: unit tests place their blocks from here. */
export const dataStart = (a: Arena): number => a.layout.firstDataSegment * SEGMENT_SIZE;

/** What every heap-* test worker is given: the arena, the slot it acts as, and the start gate (gate.ts). */
export interface ArenaWorkerData {
  readonly heap: ArenaHandle;
  readonly slot: number;
  readonly gate: SharedArrayBuffer;
}

/** In a heap-* test worker: its workerData and its view of the arena as its slot's thread. */
export function workerArena<T extends ArenaWorkerData>(): { d: T; a: Arena } {
  const d = workerData as T;
  return { d, a: arenaView(d.heap, d.slot) };
}
