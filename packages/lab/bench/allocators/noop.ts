/**
 * noop: malloc returns a fake nonzero pointer, free does nothing. Its ops/s is
 * the loop's own cost (the floor every other allocator is measured against).
 *
 * Multi-worker workloads: the same, per thread, with a private scratch buffer
 * as the "memory" (workloads that only touch bytes 0 and 1 of a block, like
 * larson, write there). Workloads that keep data in their blocks (mstress,
 * xmalloc-test, burst_idle) do not run noop.
 */
import type { AllocatorModule } from '../protocol.ts';
import type { MtAllocatorModule, SharedWorker } from '../mt-protocol.ts';

const alloc = {
  // The size itself is the fake pointer (>= 16, so never 0): the workload's
  // size computation stays live, as it is for a real allocator. (Returning a
  // constant lets V8 drop the size arithmetic and inflates the floor ~10%.)
  malloc(size: number): number {
    return size;
  },
  free(_ptr: number): void {},
};

const SCRATCH = 64 * 1024; // fake pointers are sizes: < 64 KiB in every workload noop runs

function scratch(): { u8: Uint8Array; u32: Uint32Array } {
  const b = new ArrayBuffer(SCRATCH + 16);
  return { u8: new Uint8Array(b), u32: new Uint32Array(b) };
}

const noop: MtAllocatorModule = {
  name: 'noop',
  create() {
    return { alloc };
  },
  shared: {
    create() {
      return { alloc, views: scratch(), handle: null, sharing: 'none (fake pointers)' };
    },
    attach(): SharedWorker {
      return { alloc, views: scratch(), detach() {} };
    },
  },
};
export default noop as AllocatorModule;
