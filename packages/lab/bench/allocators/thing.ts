/**
 * thing: @thi.ng/malloc's MemPool (a first-fit free list in an ArrayBuffer,
 * O(free blocks) per call) over a 256 MiB ArrayBuffer (committed lazily by
 * the OS). Blocks 16-byte aligned like the other allocators; split and compact
 * on (the defaults).
 *
 * Multi-worker workloads (`shared`): what a user does today to share it. The
 * pool keeps all its state in its buffer, so the main thread builds it over a
 * SharedArrayBuffer and every worker builds a view of the same pool with
 * `skipInitialization: true`; one futex lock (bench/allocators/shared-lock.ts)
 * serialises every malloc and free. A free of a pointer the pool does not know
 * (MemPool.free returns false) throws.
 */
import { MemPool } from '@thi.ng/malloc';
import type { AllocatorModule } from '../protocol.ts';
import type { MtAllocatorModule, SharedWorker } from '../mt-protocol.ts';
import { checked } from '../workloads/random-mixed.ts';
import { FutexLock, LockedAllocator } from './shared-lock.ts';

const POOL_BYTES = 256 << 20;

interface ThingHandle {
  readonly pool: SharedArrayBuffer;
  readonly lock: SharedArrayBuffer;
}

function lockedPool(h: ThingHandle, init: boolean): { pool: MemPool; lock: FutexLock; alloc: LockedAllocator } {
  const pool = init ? new MemPool({ buf: h.pool, align: 16 }) : new MemPool({ buf: h.pool, skipInitialization: true });
  const free = (ptr: number): void => {
    if (!pool.free(ptr)) throw new Error(`thing: free(${ptr}): not a live block of the pool`);
  };
  const lock = new FutexLock(new Int32Array(h.lock));
  return { pool, lock, alloc: new LockedAllocator(lock, (size) => pool.malloc(size), free) };
}

const views = (b: SharedArrayBuffer): { u8: Uint8Array; u32: Uint32Array } => ({ u8: new Uint8Array(b), u32: new Uint32Array(b) });

const thing: MtAllocatorModule = {
  name: 'thing',
  create() {
    const pool = new MemPool({ buf: new ArrayBuffer(POOL_BYTES), align: 16 });
    return {
      // pool.malloc returns 0 when the pool is full: checked() turns that into an error.
      alloc: { malloc: checked((size: number) => pool.malloc(size)), free: (ptr: number): void => void pool.free(ptr) },
      stats: () => ({ top: pool.stats().top, poolBytes: POOL_BYTES }),
    };
  },
  shared: {
    create(ctx) {
      const h: ThingHandle = { pool: new SharedArrayBuffer(ctx.maxBytes), lock: new SharedArrayBuffer(4) };
      const { pool, lock, alloc } = lockedPool(h, true);
      return {
        alloc,
        views: views(h.pool),
        handle: h,
        sharing: 'one futex lock around one MemPool over a SharedArrayBuffer (skipInitialization views in workers)',
        // The pool's state lives in its buffer: mincore of the whole buffer is its heap RSS.
        residency: { probe: { label: 'thing: its pool SharedArrayBuffer', buffer: h.pool, data: { offset: 0, bytes: h.pool.byteLength } } },
        // top = high-water mark of the pool: the bytes it has ever touched.
        stats: () => {
          lock.lock();
          try {
            return { top: pool.stats().top, poolBytes: ctx.maxBytes };
          } finally {
            lock.unlock();
          }
        },
      };
    },
    attach(handle): SharedWorker {
      const h = handle as ThingHandle;
      return { alloc: lockedPool(h, false).alloc, views: views(h.pool), detach() {} };
    },
  },
};
export default thing as AllocatorModule;
