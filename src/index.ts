/**
 * hakozuna: a concurrent memory allocator over one SharedArrayBuffer, after hz3.
 *
 *   const heap = createHeap({ maxBytes: 256 << 20 });
 *   const p = heap.malloc(100);          // a pointer: a byte offset into heap.buffer
 *   heap.u8[p] = 1;                      // read and write through the heap's views
 *   heap.free(p);
 *   worker.postMessage(heap.handle);     // in the worker: attachHeap(handle)
 */
export { createHeap, attachHeap, rssBreakdownOf, Heap } from './api/heap.ts';
export type { HeapOptions, AttachOptions, HeapHandle, HeapStats, TrimResult } from './api/heap.ts';
export type { HeapCheck } from './heap/verify.ts';
export type { HeapReport, BoxReport } from './observe/report.ts';
export type { RssBreakdown, BreakdownSample } from './observe/rss-breakdown.ts';
export { HeapError } from './base/errors.ts';
export { MemPool } from './pool.ts';
export type { MemPoolOptions, PoolStats, PoolType, PoolArray } from './pool.ts';
export type { HeapErrorCode } from './base/errors.ts';
export { binSize, binOfSize, NUM_BINS, MAX_SMALL_SIZE, MAX_MEDIUM_SIZE } from './heap/size-classes.ts';
export { PAGE_SIZE, SEGMENT_SIZE } from './heap/layout.ts';

/** The lane this bundle was built with. */
export const lane: string = HZ3_LANE;
