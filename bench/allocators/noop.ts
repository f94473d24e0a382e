/**
 * noop: malloc returns a fake nonzero pointer, free does nothing. Its ops/s is
 * the loop's own cost (the floor every other allocator is measured against).
 */
import type { AllocatorModule } from '../../src/lab/protocol.ts';

const noop: AllocatorModule = {
  name: 'noop',
  create() {
    return {
      alloc: {
        // The size itself is the fake pointer (>= 16, so never 0): the workload's
        // size computation stays live, as it is for a real allocator. (Returning a
        // constant lets V8 drop the size arithmetic and inflates the floor ~10%.)
        malloc(size: number): number {
          return size;
        },
        free(_ptr: number): void {},
      },
    };
  },
};
export default noop;
