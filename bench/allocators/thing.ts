/**
 * thing: @thi.ng/malloc's MemPool (a first-fit free list in an ArrayBuffer,
 * O(free blocks) per call) over a 256 MiB ArrayBuffer (committed lazily by
 * the OS). Blocks 16-byte aligned like the other allocators; split and compact
 * on (the defaults).
 */
import { MemPool } from '@thi.ng/malloc';
import type { AllocatorModule } from '../../src/lab/protocol.ts';
import { checked } from '../workloads/random-mixed.ts';

const POOL_BYTES = 256 << 20;

const thing: AllocatorModule = {
  name: 'thing',
  create() {
    const pool = new MemPool({ buf: new ArrayBuffer(POOL_BYTES), align: 16 });
    return {
      // pool.malloc returns 0 when the pool is full: checked() turns that into an error.
      alloc: { malloc: checked((size: number) => pool.malloc(size)), free: (ptr: number): void => void pool.free(ptr) },
      stats: () => ({ top: pool.stats().top, poolBytes: POOL_BYTES }),
    };
  },
};
export default thing;
