// AssemblyScript peer: the TLSF memory manager of AssemblyScript's runtime
// (std/assembly/rt/tlsf.ts), exported as plain alloc/free for the bench.
// Built by scripts/build-peers.mjs with `--runtime minimal` (TLSF + a GC that
// never runs unless __collect is called; heap.alloc/heap.free are unmanaged
// blocks, so the GC never sees them anyway).

/** Allocate `size` bytes; returns the block's address in wasm memory (16-byte aligned). */
export function alloc(size: usize): usize {
  return heap.alloc(size);
}

/** Return a block to TLSF (merged with free neighbours, O(1)). */
export function free(ptr: usize): void {
  heap.free(ptr);
}

/** Wasm memory size in bytes: the peer's own "resident" figure (TLSF never shrinks it). */
export function memoryBytes(): usize {
  return <usize>memory.size() << 16;
}
