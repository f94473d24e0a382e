/**
 * hakozuna/pool: an IMemPool face over a hakozuna heap, so code written for
 * @thi.ng/malloc (and the thi.ng packages that take a pool, such as
 * @thi.ng/ecs) runs on hakozuna. The methods and their semantics are thi.ng's:
 * failures return 0 / undefined / false instead of throwing, `free` says
 * whether it freed, typed arrays are views of the heap's buffer.
 *
 *   import { MemPool } from 'hakozuna/pool';
 *   const pool = new MemPool({ maxBytes: 64 << 20 });   // or { heap } for a heap you made
 *   const v = pool.mallocAs('f32', 16);                   // Float32Array view, or undefined
 *   pool.free(v);
 *
 * Differences from @thi.ng/malloc (docs/POOL.md):
 *   - the pool is a hakozuna heap of 2 MiB at least: its own buffer (`size` or
 *     `maxBytes`), or the whole MiBs of `buf` from `start` (rounded up to 4 KiB)
 *     to `end`; `compact`, `split` and `minSplit` are not taken;
 *   - `skipInitialization` attaches to the pool (heap) already in that region,
 *     as thi.ng's does: both pools share its blocks;
 *   - blocks are 16-byte aligned, or `align` (a power of two up to 4096);
 *   - `malloc(0)` returns 0, as thi.ng's does; every other size is rounded up to
 *     a size class (usableSize), and there is no block header before a pointer;
 *   - `stats()` reports hakozuna's figures in thi.ng's shape: `top` is the end
 *     of the data pages in use so far, `free` counts cached free blocks;
 *   - two MemPool objects over one heap are two threads' views of the same heap
 *     (attachHeap), sharing its blocks: a block one frees, the other may reuse;
 *   - `freeAll()` is heap.reset(): it refuses (returns without freeing, and
 *     throws EBUSY) while other threads are attached;
 *   - `release()` detaches this thread from the heap.
 */
import { attachHeap, attachInThisThread, createHeap, type Heap, type HeapHandle } from './api/heap.ts';
import { HeapError, show } from './base/errors.ts';
import { PAGE_SIZE } from './heap/layout.ts';

/** thi.ng's element types (@thi.ng/api `Type`). */
export type PoolType = 'u8' | 'u8c' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64';

type ArrayOf = {
  u8: Uint8Array;
  u8c: Uint8ClampedArray;
  i8: Int8Array;
  u16: Uint16Array;
  i16: Int16Array;
  u32: Uint32Array;
  i32: Int32Array;
  f32: Float32Array;
  f64: Float64Array;
};
export type PoolArray = ArrayOf[PoolType];

const CTORS: { readonly [K in PoolType]: { new (buf: ArrayBufferLike, offset: number, length: number): ArrayOf[K]; BYTES_PER_ELEMENT: number } } = {
  u8: Uint8Array,
  u8c: Uint8ClampedArray,
  i8: Int8Array,
  u16: Uint16Array,
  i16: Int16Array,
  u32: Uint32Array,
  i32: Int32Array,
  f32: Float32Array,
  f64: Float64Array,
};

const typeOf = (arr: PoolArray): PoolType | undefined => (Object.keys(CTORS) as PoolType[]).find((k) => arr instanceof CTORS[k]);

export interface MemPoolOptions {
  /** A heap made by createHeap (or attachHeap) in this thread. */
  heap?: Heap;
  /** A handle from another thread: this pool attaches to that heap. */
  handle?: HeapHandle;
  /** Without heap or handle: the size of the heap to create (default 64 MiB). */
  maxBytes?: number;
  /** thi.ng's name for maxBytes. */
  size?: number;
  /** thi.ng's `buf`: place the pool in this buffer (a SharedArrayBuffer, or an ArrayBuffer for this thread), from `start` to `end`. */
  buf?: SharedArrayBuffer | ArrayBuffer;
  /** With `buf`: where the region starts (default 0). */
  start?: number;
  /** With `buf`: where it ends (default: the buffer's end). */
  end?: number;
  /** With `buf`: the region already holds a pool; attach to it instead of making one (thi.ng's option). */
  skipInitialization?: boolean;
  /** Alignment of every block, a power of two in [16, 4096] (thi.ng's `align`; default 16, hakozuna's own). */
  align?: number;
}

function ownHeap(opts: MemPoolOptions): Heap {
  if (opts.start !== undefined || opts.end !== undefined || opts.skipInitialization !== undefined) {
    throw new HeapError('EINVAL', 'MemPool: start, end and skipInitialization place a pool in a buffer; give buf too');
  }
  return createHeap({ maxBytes: opts.maxBytes ?? opts.size ?? 64 << 20, onExhausted: 'null' });
}

/** thi.ng's { buf, start, end }: a heap in that region, or the one already there (skipInitialization). */
function inRegion(opts: MemPoolOptions): Heap {
  const buf = opts.buf!;
  const start = opts.start ?? 0;
  const end = opts.end ?? buf.byteLength;
  if (typeof end !== 'number' || typeof start !== 'number' || !(end >= start)) {
    throw new HeapError('EINVAL', `MemPool: end must be a number at or after start, got start ${show(start)}, end ${show(end)}`);
  }
  if (opts.skipInitialization) return attachInThisThread(buf, Math.ceil(start / PAGE_SIZE) * PAGE_SIZE, { onExhausted: 'null' });
  return createHeap({ buffer: buf, byteOffset: start, byteLength: end - start, onExhausted: 'null' });
}

/** thi.ng's MemPoolStats, with hakozuna's figures. */
export interface PoolStats {
  free: { count: number; size: number };
  used: { count: number; size: number };
  top: number;
  available: number;
  total: number;
}

export class MemPool {
  readonly heap: Heap;
  readonly align: number;

  constructor(opts: MemPoolOptions = {}) {
    if (opts === null || typeof opts !== 'object') throw new HeapError('EINVAL', `MemPool: options must be an object, got ${show(opts)}`);
    const align = opts.align ?? 16;
    if (typeof align !== 'number' || !Number.isInteger(align) || align < 16 || align > 4096 || (align & (align - 1)) !== 0) {
      throw new HeapError('EINVAL', `MemPool: align must be a power of two in [16, 4096], got ${show(align)}`);
    }
    this.align = align;
    this.heap = opts.heap ?? (opts.handle ? attachHeap(opts.handle, { onExhausted: 'null' }) : opts.buf !== undefined ? inRegion(opts) : ownHeap(opts));
  }

  /** The heap's buffer: pointers are byte offsets into it. */
  get buf(): ArrayBufferLike {
    return this.heap.buffer;
  }

  /** A block of at least `bytes` bytes, or 0 (also for 0 bytes, and when the heap is full). */
  malloc(bytes: number): number {
    if (!(bytes > 0) || !Number.isSafeInteger(bytes)) return 0;
    try {
      return this.align === 16 ? this.heap.malloc(bytes) : this.heap.alignedAlloc(this.align, bytes);
    } catch (e) {
      if (e instanceof HeapError && e.code === 'EEXHAUSTED') return 0; // a heap made with onExhausted 'throw'
      throw e;
    }
  }

  /** As malloc, with every byte set to `fill` (default 0). */
  calloc(bytes: number, fill = 0): number {
    const p = this.malloc(bytes);
    if (p !== 0) this.heap.u8.fill(fill, p, p + bytes);
    return p;
  }

  /** A typed array of `num` elements of `type` in a new block, or undefined. */
  mallocAs<T extends PoolType>(type: T, num: number): ArrayOf[T] | undefined {
    const ctor = CTORS[type];
    if (ctor === undefined) return undefined;
    const p = this.malloc(num * ctor.BYTES_PER_ELEMENT);
    return p === 0 ? undefined : (new ctor(this.buf, p, num) as ArrayOf[T]);
  }

  /** As mallocAs, every byte set to `fill` (default 0). */
  callocAs<T extends PoolType>(type: T, num: number, fill = 0): ArrayOf[T] | undefined {
    const arr = this.mallocAs(type, num);
    if (arr) new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength).fill(fill);
    return arr;
  }

  /** Resize the block at `ptr` (contents kept), or 0 when it cannot (then `ptr` is unchanged); realloc(0, n) is malloc. */
  realloc(ptr: number, bytes: number): number {
    if (ptr === 0) return this.malloc(bytes);
    if (!this.heap.isLive(ptr) || !(bytes > 0) || !Number.isSafeInteger(bytes)) return 0;
    if (this.align !== 16) {
      // alignedAlloc gives no in-place growth: a new aligned block, a copy, a free.
      const usable = this.heap.usableSize(ptr);
      if (bytes <= usable && bytes * 2 > usable) return ptr;
      const q = this.malloc(bytes);
      if (q === 0) return 0;
      this.heap.u8.copyWithin(q, ptr, ptr + Math.min(bytes, usable));
      this.heap.free(ptr);
      return q;
    }
    try {
      return this.heap.realloc(ptr, bytes);
    } catch (e) {
      if (e instanceof HeapError && e.code === 'EEXHAUSTED') return 0;
      throw e;
    }
  }

  /** The array in a block resized to `num` elements (contents kept), or undefined. */
  reallocArray<T extends PoolArray>(arr: T, num: number): T | undefined {
    if (arr.buffer !== this.buf) return undefined;
    const type = typeOf(arr);
    if (type === undefined) return undefined;
    const ctor = CTORS[type];
    const p = this.realloc(arr.byteOffset, num * ctor.BYTES_PER_ELEMENT);
    return p === 0 ? undefined : (new ctor(this.buf, p, num) as unknown as T);
  }

  /** Free a block (a pointer, or a typed array at the block's start); false when it is not a live block of this heap. */
  free(ptrOrArray: number | PoolArray): boolean {
    const p = typeof ptrOrArray === 'number' ? ptrOrArray : ptrOrArray.buffer === this.buf ? ptrOrArray.byteOffset : -1;
    if (!this.heap.isLive(p)) return false;
    this.heap.free(p);
    return true;
  }

  /** Free every block (heap.reset()); throws EBUSY while other threads are attached. */
  freeAll(): void {
    this.heap.reset();
  }

  /** Detach this thread from the heap; the pool is unusable afterwards. */
  release(): boolean {
    this.heap.detach();
    return true;
  }

  stats(): Readonly<PoolStats> {
    const s = this.heap.stats();
    return {
      free: { count: s.cachedBlocks, size: s.cachedBytes },
      used: { count: s.liveBlocks, size: s.bytesInUse },
      top: this.heap.region.byteOffset + s.metadataBytes + s.residentBytes,
      available: s.dataBytes - s.bytesInUse,
      total: s.arenaBytes,
    };
  }
}
