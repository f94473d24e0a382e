/**
 * hakozuna: this project's allocator, as a user calls it (`heap.malloc(size)`,
 * `heap.free(ptr)`). Only ever bundled through scripts/lane-build.mjs
 * (`buildLane`), which bakes the lane's flags into the bundle.
 */
import { createHeap } from '../../src/index.ts';
import type { AllocatorModule } from '../../src/lab/protocol.ts';

const hakozuna: AllocatorModule = {
  name: 'hakozuna',
  create(ctx) {
    const heap = createHeap({ maxBytes: ctx.maxBytes });
    return {
      alloc: heap,
      stats: () => {
        const out: Record<string, number> = {};
        for (const [k, v] of Object.entries(heap.stats() as object)) if (typeof v === 'number') out[k] = v;
        return out;
      },
    };
  },
};
export default hakozuna;
