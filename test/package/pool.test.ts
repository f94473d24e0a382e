/**
 * The IMemPool face (hakozuna/pool): @thi.ng/malloc's methods and semantics
 * over a hakozuna heap. Failures return 0 / undefined / false, never throw;
 * typed arrays are views of the heap's buffer; two pools over one heap share it.
 */
import { describe, expect, it } from 'vitest';
import { MemPool } from '../../src/pool.ts';
import { attachHeap, createHeap } from '../../src/index.ts';

describe('MemPool (IMemPool contract)', () => {
  it('malloc / calloc / free with thi.ng\'s results', () => {
    const pool = new MemPool({ maxBytes: 16 << 20 });
    expect(pool.malloc(0)).toBe(0);
    expect(pool.malloc(-5)).toBe(0);
    const p = pool.malloc(100);
    expect(p).toBeGreaterThan(0);
    expect(p % 16).toBe(0);
    const q = pool.calloc(64, 0xab);
    expect([...new Uint8Array(pool.buf, q, 64)].every((b) => b === 0xab)).toBe(true);
    expect(pool.free(p)).toBe(true);
    expect(pool.free(p)).toBe(false); // already free: false, not an error
    expect(pool.free(p + 16)).toBe(false);
    expect(pool.free(123)).toBe(false);
    expect(pool.free(q)).toBe(true);
    expect(pool.malloc(1 << 30)).toBe(0); // larger than the heap
    expect(pool.stats().used).toEqual({ count: 0, size: 0 });
  });

  it('typed arrays: mallocAs, callocAs, reallocArray, free(array)', () => {
    const pool = new MemPool({ maxBytes: 16 << 20 });
    const a = pool.mallocAs('f32', 10)!;
    expect(a).toBeInstanceOf(Float32Array);
    expect(a.buffer).toBe(pool.buf);
    expect(a.length).toBe(10);
    a.set([1, 2, 3]);
    const c = pool.callocAs('u16', 8, 0x01)!;
    expect([...c]).toEqual(new Array(8).fill(0x0101));
    const b = pool.reallocArray(a, 5000)!; // grows into another block, contents kept
    expect(b).toBeInstanceOf(Float32Array);
    expect(b.length).toBe(5000);
    expect([...b.subarray(0, 3)]).toEqual([1, 2, 3]);
    expect(pool.free(a)).toBe(a.byteOffset === b.byteOffset); // the old block went with the realloc
    expect(pool.free(b)).toBe(true);
    expect(pool.free(new Float32Array(4))).toBe(false); // not this pool's memory
    expect(pool.mallocAs('nope' as never, 4)).toBeUndefined();
    expect(pool.mallocAs('f64', 1 << 28)).toBeUndefined();
    expect(pool.free(c)).toBe(true);
  });

  it('realloc keeps contents, returns 0 (leaving the block) when it cannot, and realloc(0, n) is malloc', () => {
    const pool = new MemPool({ maxBytes: 16 << 20 });
    const p = pool.malloc(40);
    new Uint8Array(pool.buf, p, 40).fill(7);
    const q = pool.realloc(p, 10_000);
    expect([...new Uint8Array(pool.buf, q, 40)].every((x) => x === 7)).toBe(true);
    expect(pool.realloc(q, 1 << 30)).toBe(0);
    expect(pool.free(q)).toBe(true); // still live after the failed realloc
    expect(pool.realloc(p, 10)).toBe(0); // freed by the first realloc
    expect(pool.realloc(0, 32)).toBeGreaterThan(0);
  });

  it('aligns every block to `align`', () => {
    const pool = new MemPool({ maxBytes: 16 << 20, align: 64 });
    for (const n of [1, 17, 100, 3000, 20_000, 100_000]) expect(pool.malloc(n) % 64, `${n}`).toBe(0);
    const p = pool.malloc(100);
    const q = pool.realloc(p, 5000);
    expect(q % 64).toBe(0);
    expect(() => new MemPool({ maxBytes: 16 << 20, align: 24 })).toThrow(/align must be a power of two in \[16, 4096\], got 24/);
  });

  it('freeAll frees every block; stats are thi.ng-shaped', () => {
    const pool = new MemPool({ maxBytes: 16 << 20 });
    const ptrs = Array.from({ length: 100 }, (_, i) => pool.malloc(16 + i * 50));
    const s = pool.stats();
    expect(s.used.count).toBe(100);
    expect(s.used.size).toBeGreaterThanOrEqual(ptrs.length * 16);
    expect(s.total).toBe(16 << 20);
    expect(s.available).toBe(pool.heap.stats().dataBytes - s.used.size);
    pool.freeAll();
    expect(pool.stats().used.count).toBe(0);
    expect(ptrs.every((p) => !pool.heap.isLive(p))).toBe(true);
    expect(pool.heap.check().problems).toEqual([]);
  });

  it('two pools over one heap share its blocks (a heap made elsewhere, or attached by handle)', () => {
    const heap = createHeap({ maxBytes: 16 << 20, onExhausted: 'null' });
    const a = new MemPool({ heap });
    const b = new MemPool({ handle: heap.handle });
    const p = a.malloc(64);
    expect(b.free(p)).toBe(true); // the second sees the first's block
    expect(a.free(p)).toBe(false);
    expect(b.stats().used.count).toBe(0);
    expect(() => a.freeAll()).toThrow(/EBUSY/); // b is attached
    expect(b.release()).toBe(true);
    a.freeAll();
    expect(attachHeap(heap.handle).slot).toBe(1); // b's slot is free again
  });

  it('takes thi.ng\'s buf / start / end (a region of the caller\'s buffer) and skipInitialization (the pool already there)', () => {
    for (const buf of [new ArrayBuffer(6 << 20), new SharedArrayBuffer(6 << 20)]) {
      new Uint8Array(buf).fill(0x5a);
      const a = new MemPool({ buf, start: 0x0c, end: (4 << 20) + 0x100 }); // the heap: 3 MiB from 4096
      expect(a.buf).toBe(buf);
      expect(a.heap.region).toEqual({ byteOffset: 4096, byteLength: 3 << 20 });
      const v = a.callocAs('u32', 100)!;
      expect(v.buffer).toBe(buf);
      expect(v.byteOffset).toBeGreaterThanOrEqual(4096);
      v[99] = 7;
      // A second pool over the same region sees the first's blocks, as thi.ng's skipInitialization does.
      const b = new MemPool({ buf, start: 0x0c, skipInitialization: true });
      expect(b.heap.region).toEqual(a.heap.region);
      expect(new Uint32Array(buf, v.byteOffset, 100)[99]).toBe(7);
      expect(b.free(v)).toBe(true);
      expect(a.free(v)).toBe(false);
      expect(a.stats().top).toBeGreaterThan(4096);
      b.release();
      // Outside [4096, 4096 + 3 MiB) the caller's bytes are as they were.
      const u8 = new Uint8Array(buf);
      expect(u8.subarray(0, 4096).every((x) => x === 0x5a) && u8.subarray(4096 + (3 << 20)).every((x) => x === 0x5a)).toBe(true);
      a.heap.destroy();
    }
    expect(() => new MemPool({ start: 16 })).toThrow(/EINVAL: MemPool: start, end and skipInitialization place a pool in a buffer; give buf too/);
    expect(() => new MemPool({ buf: new ArrayBuffer(1 << 20) })).toThrow(/EINVAL: createHeap: the region \[0, 1048576\) holds 1 whole MiB/);
  });
});
