// AssemblyScript peer for the multi-worker workloads: the same TLSF as
// bench/peers/tlsf.ts, compiled against an IMPORTED SHARED memory
// (--importMemory --sharedMemory), so one TLSF heap can be used from several
// wasm instances, one per worker, behind one lock held by the caller.
//
// TLSF keeps its root pointer in a wasm global (ROOT), initialised on first use
// by laying out the root at __heap_base. Every instance would do that on its
// own (wiping the others' free lists), so ROOT is exported: the first instance
// initialises the heap (`init`, on the child's main thread) and every other
// instance is given the same root (`ROOT.value = root` from JS) before its
// first call. The data segments (two constant error strings) are written again
// by each instantiation with the same bytes.
export { ROOT } from "rt/tlsf";

/** Allocate `size` bytes; returns the block's address in wasm memory (16-byte aligned). */
export function alloc(size: usize): usize {
  return heap.alloc(size);
}

/** Return a block to TLSF (merged with free neighbours, O(1)). */
export function free(ptr: usize): void {
  heap.free(ptr);
}

/** Lay out the TLSF root (first instance only); JS then reads ROOT.value for the others. */
export function init(): void {
  heap.free(heap.alloc(16));
}
