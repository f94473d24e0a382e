/**
 * Heaps in a region of a caller's buffer (createHeap({ buffer, byteOffset,
 * byteLength })): pointers are byte offsets into that buffer, the heap takes
 * the whole MiBs from the region's first 4 KiB boundary, and no byte outside
 * them changes. Bytes around every region here carry a pattern that is
 * checked after the heaps have worked (and trimmed: released pages too).
 */
import { describe, expect, it, beforeAll } from 'vitest';
import * as lib from '../../src/index.ts';
import { createHeap, attachHeap, HeapError, MemPool } from '../../src/index.ts';
import { drawSizeSmallHeap, runModel } from '../helpers/model.ts';
import { runWorker, workerScript } from '../helpers/workers.ts';
import { checkBlock } from '../workers/blocks.ts';
import { WA } from '../workers/wasm-blocks.ts';

const MiB = 1 << 20;
const patternByte = (i: number): number => (Math.imul(i, 31) + 7) & 0xff;

function patterned(bytes: number, shared = true): SharedArrayBuffer | ArrayBuffer {
  const b = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  const u8 = new Uint8Array(b);
  for (let i = 0; i < bytes; i++) u8[i] = patternByte(i);
  return b;
}

/** Every byte of `buffer` outside the given regions still holds the pattern. */
function expectUntouchedOutside(buffer: SharedArrayBuffer | ArrayBuffer, regions: { byteOffset: number; byteLength: number }[]): void {
  const u8 = new Uint8Array(buffer);
  const inside = (i: number): boolean => regions.some((r) => i >= r.byteOffset && i < r.byteOffset + r.byteLength);
  let bad = -1;
  for (let i = 0; i < u8.length; i++) {
    if (!inside(i) && u8[i] !== patternByte(i)) {
      bad = i;
      break;
    }
  }
  expect(bad, bad >= 0 ? `byte ${bad} outside the heaps changed` : '').toBe(-1);
}

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof HeapError) return e.message; // 'CODE: what is wrong'
    throw e;
  }
  return 'no error';
};


describe('a heap in a region of a caller\'s buffer', () => {
  it('takes the whole MiBs from the first 4 KiB boundary; every pointer is inside; bytes around it stay intact', () => {
    const buffer = patterned(6 * MiB + 5000);
    const byteOffset = 12_345; // odd on purpose: the heap starts at the next 4 KiB boundary, 16384
    const h = createHeap({ buffer, byteOffset, byteLength: 4 * MiB + 777, maxThreads: 4 });
    expect(h.region).toEqual({ byteOffset: 16_384, byteLength: 3 * MiB }); // (12345 + 4 MiB + 777 - 16384) holds 3 whole MiB
    expect(h.handle).toMatchObject({ buffer, byteOffset: 16_384, byteLength: 3 * MiB });
    expect(h.buffer).toBe(buffer);
    const { byteOffset: lo, byteLength } = h.region;
    const hi = lo + byteLength;
    const ptrs: number[] = [];
    for (const size of [1, 16, 100, 2048, 3000, 32768, 40_000, 300_000]) {
      const p = h.malloc(size);
      expect(p).toBeGreaterThanOrEqual(lo + h.stats().metadataBytes);
      expect(p + size).toBeLessThanOrEqual(hi);
      h.u8.fill(0xee, p, p + size); // the heap's views span the whole buffer: pointers index them directly
      expect(h.usableSize(p)).toBeGreaterThanOrEqual(size);
      ptrs.push(p);
    }
    const z = h.calloc(10, 5000);
    for (let i = 0; i < 50_000; i++) if (h.u8[z + i] !== 0) throw new Error(`calloc byte ${i} is ${h.u8[z + i]}`);
    const a = h.alignedAlloc(64 * 1024, 1000); // absolute alignment, though the region starts 16 KiB into a 64 KiB block
    expect(a % (64 * 1024)).toBe(0);
    const r = h.realloc(ptrs[2], 5000);
    expect(h.u8[r]).toBe(0xee);
    expect(h.isLive(r)).toBe(true);
    expect(h.isLive(ptrs[2])).toBe(r === ptrs[2]);
    for (const p of [...ptrs.filter((p) => p !== ptrs[2]), r, z, a]) h.free(p);
    expect(h.stats().bytesInUse).toBe(0);
    expect(h.check().problems).toEqual([]);
    // Pointers are named as the user sees them, and the heap's data range in buffer terms.
    expect(codeOf(() => h.free(16))).toBe(`EPTR_RANGE: free: pointer 16 (0x10) is outside this heap's data [${lo + h.stats().metadataBytes}, ${hi})`);
    expect(codeOf(() => h.free(ptrs[0]))).toBe(`EDOUBLE_FREE: free: block ${ptrs[0]} (0x${ptrs[0].toString(16)}) is already free`);
    expect(codeOf(() => h.free(ptrs[7] + 4096))).toMatch(/^EPTR_NOT_ALLOCATED/);
    h.trim(); // releases free pages (madvise): only pages inside the region
    expectUntouchedOutside(buffer, [h.region]);
    h.destroy();
    expectUntouchedOutside(buffer, [{ byteOffset: lo, byteLength }]);
  });

  it('heap.check() names blocks by the user\'s pointers in a region too', () => {
    const buffer = new SharedArrayBuffer(6 * MiB);
    const h = createHeap({ buffer, byteOffset: 2 * MiB, byteLength: 4 * MiB, maxThreads: 2 });
    const p = h.malloc(64);
    h.free(p); // in this thread's cache now
    // Corrupt the books as a stray write would: the granule mark of the free block says "live".
    const gmapAt = h.region.byteOffset + h.arena.layout.gmapOffset;
    h.u8[gmapAt + ((p - h.region.byteOffset) >>> 4)] = 1;
    expect(h.check().problems).toEqual([`slot 0 cache bin 3: free block ${p} is marked live`]);
    h.u8[gmapAt + ((p - h.region.byteOffset) >>> 4)] = 0;
    expect(h.check().problems).toEqual([]);
    h.destroy();
  });

  it('calloc after trim() is zero in a buffer whose data starts off an OS page (only whole OS pages were released)', () => {
    // A plain SharedArrayBuffer's data starts 16 bytes into an OS page: releasing a heap page run frees
    // the OS pages inside it, and the 4 KiB around the ends stay as they were (a review found them booked as zero).
    for (const buffer of [new SharedArrayBuffer(8 * MiB), new ArrayBuffer(8 * MiB)]) {
      const h = createHeap({ buffer, maxThreads: 2 });
      const n = 64 * 1024;
      const p = h.malloc(n);
      h.u8.fill(0xaa, p, p + n);
      h.free(p);
      h.trim();
      const q = h.calloc(1, n);
      let nonZero = 0;
      for (let i = 0; i < n; i++) if (h.u8[q + i] !== 0) nonZero++;
      expect(nonZero).toBe(0);
      h.free(q);
      h.destroy();
    }
  });

  it('a region\'s metadata is zeroed without committing it all (whole OS pages released, in madvise mode)', () => {
    const buffer = new SharedArrayBuffer(64 * MiB, { maxByteLength: 64 * MiB }); // page aligned, as a wasm memory is
    new Uint8Array(buffer).fill(0x77); // whatever the caller had there
    const h = createHeap({ buffer, byteOffset: 4 * MiB, byteLength: 48 * MiB, maxThreads: 8 });
    const { metadataBytes } = h.osResident();
    if (Number.isNaN(metadataBytes)) return; // record-only: no mincore to ask, and the metadata is written
    expect(metadataBytes).toBeLessThan(h.stats().metadataBytes / 4); // the fill above made all of it resident
    expect(h.check().problems).toEqual([]);
    const ps = Array.from({ length: 1000 }, (_, i) => h.malloc(16 + i));
    for (const p of ps) h.free(p);
    expect(h.check().problems).toEqual([]);
    h.destroy();
  });

  it('refuses a buffer over 4 GiB (pointers are 32-bit) before touching it; a retry is refused the same way, not as an overlap', () => {
    const big = new SharedArrayBuffer(2 ** 32 + 4096 * 256); // reserved, not committed
    const refusal = /^EINVAL: createHeap: buffer has 4296015872 bytes; pointers are 32-bit byte offsets, so a heap's buffer has at most 4294967296/;
    expect(codeOf(() => createHeap({ buffer: big, byteOffset: 0, byteLength: 4 * MiB }))).toMatch(refusal);
    expect(codeOf(() => createHeap({ buffer: big, byteOffset: 0, byteLength: 4 * MiB }))).toMatch(refusal);
  });

  it('views over a full 4 GiB buffer (a whole wasm32 memory) have their full lengths', () => {
    const memory = new WA.Memory({ initial: 65536, maximum: 65536, shared: true }); // 4 GiB, reserved, not committed
    const h = createHeap({ buffer: memory.buffer, byteOffset: 64 * MiB, byteLength: 4 * MiB, maxThreads: 2 });
    expect([h.u8.length, h.u16.length, h.u32.length, h.i32.length, h.f32.length, h.f64.length]).toEqual([2 ** 32, 2 ** 31, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 29]);
    const p = h.malloc(16);
    h.u32[p >>> 2] = 0xdeadbeef;
    expect(h.u8[p]).toBe(0xef);
    h.free(p);
    h.destroy();
  });

  it('two slots of one thread over one heap: the one that runs short takes the other\'s cache at once (no wait for an answer)', () => {
    const buffer = new SharedArrayBuffer(4 * MiB);
    const a = createHeap({ buffer, maxThreads: 2, onExhausted: 'null' });
    const b = new MemPool({ buf: buffer, skipInitialization: true }).heap; // a second slot, in this thread
    const cached = Array.from({ length: 2000 }, () => b.malloc(64));
    for (const p of cached) b.free(p); // 128 KB sit in b's cache
    const t0 = Date.now();
    let worst = 0;
    const mine: number[] = [];
    for (;;) {
      const s = Date.now();
      const p = a.malloc(4096);
      worst = Math.max(worst, Date.now() - s);
      if (p === 0) break;
      mine.push(p);
    }
    expect(worst).toBeLessThan(150); // it used to wait the full RECLAIM_WAIT_MS (300 ms) for itself
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(b.stats().cachedBytes).toBeLessThan(64 * 2000); // b's cache went back
    for (const p of mine) a.free(p);
    b.detach();
    a.destroy();
  });

  it('passes the model test (content checks, stats, check()) in a region at an odd offset, to exhaustion and on', () => {
    const buffer = patterned(4 * MiB + 3 * 4096 + 99);
    const byteOffset = 3 * 4096 + 1; // the heap starts at 16 KiB, 3 pages short of a 64 KiB boundary... and 255 pages short of a MiB one
    // Alignments up to 64 KiB: a 1 MiB-aligned block larger than a page does not fit a segment of this region (EALIGN, tested below).
    const run = runModel(lib, 0x4e61, 120_000, drawSizeSmallHeap, { buffer, byteOffset, byteLength: 3 * MiB + 4096, maxThreads: 4, onExhausted: 'null' }, 16);
    expect(run.fulls).toBeGreaterThan(0); // it ran into the end of its 3 MiB, and went on
    expectUntouchedOutside(buffer, [{ byteOffset: 4 * 4096, byteLength: 3 * MiB }]);
  });

  it('refuses regions that cannot hold a heap, bad region options, and an alignment a region off its boundary cannot give', () => {
    const buffer = new SharedArrayBuffer(4 * MiB);
    expect(codeOf(() => createHeap({ buffer, byteOffset: 1, byteLength: 2 * MiB }))).toMatch(/^EINVAL: createHeap: the region \[1, 2097153\) holds 1 whole MiB from its first 4 KiB boundary \(4096\); a heap needs at least 2097152 bytes/);
    expect(codeOf(() => createHeap({ buffer, byteOffset: -4 }))).toMatch(/^EINVAL: createHeap: byteOffset must be an integer in \[0, 4194304\].*got -4/);
    expect(codeOf(() => createHeap({ buffer, byteOffset: 4096, byteLength: 4 * MiB }))).toMatch(/^EINVAL: createHeap: byteLength must be an integer in \[0, 4190208\]/);
    expect(codeOf(() => createHeap({ buffer, maxBytes: 2 * MiB }))).toMatch(/^EINVAL: createHeap: maxBytes \(2097152 \(0x200000\)\) sizes a heap that makes its own buffer/);
    expect(codeOf(() => createHeap({ byteOffset: 0 }))).toMatch(/^EINVAL: createHeap: byteOffset places a heap in a caller's buffer; give buffer too/);
    expect(codeOf(() => createHeap({ buffer: new Uint8Array(4) as never }))).toMatch(/^EINVAL: createHeap: buffer must be a SharedArrayBuffer or an ArrayBuffer, got \[object Uint8Array\]/);
    const h = createHeap({ buffer, byteOffset: 4096, byteLength: 3 * MiB, maxThreads: 2 });
    expect(codeOf(() => h.alignedAlloc(MiB, 8192))).toMatch(/^EALIGN: alignedAlloc: 8192 \(0x2000\) bytes aligned to 1048576 do not fit in a segment of this heap, whose region starts at 4096/);
    const p = h.alignedAlloc(MiB, 100); // one page fits after the lead of 255 pages
    expect(p % MiB).toBe(0);
    h.free(p);
    h.destroy();
  });

  it('serves one thread from a plain ArrayBuffer, which attachHeap refuses', () => {
    const buffer = patterned(5 * MiB, false);
    const h = createHeap({ buffer, byteOffset: 1 * MiB, byteLength: 3 * MiB, maxThreads: 2 });
    const ps = Array.from({ length: 2000 }, (_, i) => {
      const p = h.malloc(16 + (i % 200) * 8);
      h.u32[p >>> 2] = i;
      return p;
    });
    ps.forEach((p, i) => expect(h.u32[p >>> 2]).toBe(i));
    for (const p of ps) h.free(p);
    expect(h.check().problems).toEqual([]);
    expect(codeOf(() => attachHeap(h.handle))).toMatch(/^EHANDLE: attachHeap: the heap is in an ArrayBuffer, which only the thread that made it can use/);
    h.trim();
    expectUntouchedOutside(buffer, [h.region]);
    h.destroy();
  });
});

describe('two heaps in one buffer', () => {
  let script: string;
  beforeAll(async () => {
    script = await workerScript('stress-worker');
  });

  it('side by side, each with two workers freeing each other\'s blocks (contents checked); nothing outside them changes', async () => {
    const buffer = patterned(40 * MiB + 123) as SharedArrayBuffer;
    const a = createHeap({ buffer, byteOffset: 777, byteLength: 18 * MiB, maxThreads: 4 });
    const b = createHeap({ buffer, byteOffset: a.region.byteOffset + a.region.byteLength + 5, byteLength: 20 * MiB, maxThreads: 4 });
    expect(b.region.byteOffset).toBeGreaterThanOrEqual(a.region.byteOffset + a.region.byteLength);
    const control = new SharedArrayBuffer(64 * 4);
    const transfers = [new SharedArrayBuffer(400 * 4), new SharedArrayBuffer(400 * 4)];
    const runs = [0, 1, 2, 3].map((id) =>
      runWorker<{ slot: number }>(script, { handle: (id < 2 ? a : b).handle, transfer: transfers[id >> 1], control, id, ops: 40_000, mode: 'normal' }),
    );
    await Promise.all(runs.map((r) => r.done));
    const ctl = new Int32Array(control);
    for (const [h, t, ids] of [[a, transfers[0], [0, 1]], [b, transfers[1], [2, 3]]] as [lib.Heap, SharedArrayBuffer, number[]][]) {
      let left = 0;
      const slots = new Uint32Array(t);
      for (let i = 0; i < slots.length; i++) {
        const p = slots[i];
        if (p === 0) continue;
        const { byteOffset, byteLength } = h.region;
        expect(p >= byteOffset && p < byteOffset + byteLength).toBe(true); // each heap's blocks are its own
        checkBlock(h, p, 'main');
        h.free(p);
        left++;
      }
      expect(ids.reduce((s, id) => s + ctl[1 + 4 * id], 0)).toBe(ids.reduce((s, id) => s + ctl[2 + 4 * id], 0) + left);
      expect(h.stats().bytesInUse).toBe(0);
      expect(h.check().problems).toEqual([]);
    }
    // A pointer of one heap is out of the other's range.
    const p = a.malloc(64);
    expect(codeOf(() => b.free(p))).toMatch(/^EPTR_RANGE/);
    a.free(p);
    a.trim();
    b.trim();
    expectUntouchedOutside(buffer, [a.region, b.region]);
    await Promise.all(runs.map((r) => r.worker.terminate()));
    a.destroy();
    b.destroy();
  });

  it('refuses a heap over a live one (EOVERLAP), here or from another thread, and allows it after destroy()', async () => {
    const buffer = new SharedArrayBuffer(12 * MiB);
    const a = createHeap({ buffer, byteOffset: 4 * MiB, byteLength: 4 * MiB, maxThreads: 2 });
    const overlap = /^EOVERLAP: createHeap: the region \[\d+, \d+\) overlaps the heap at \[4194304, 8388608\) of this buffer/;
    expect(codeOf(() => createHeap({ buffer, byteOffset: 4 * MiB, byteLength: 2 * MiB }))).toMatch(overlap); // the same start
    expect(codeOf(() => createHeap({ buffer, byteOffset: 6 * MiB, byteLength: 4 * MiB }))).toMatch(overlap); // starts inside it
    expect(codeOf(() => createHeap({ buffer, byteOffset: 2 * MiB, byteLength: 4 * MiB }))).toMatch(overlap); // ends inside it
    expect(codeOf(() => createHeap({ buffer }))).toMatch(overlap); // the whole buffer
    // Another thread knows it only by its header: a region that starts on it is refused there too.
    const other = await workerScript('region-overlap-worker');
    const r = runWorker<{ type: 'done'; result: string }>(other, { buffer, byteOffset: 4 * MiB, byteLength: 2 * MiB });
    expect((await r.done).result).toMatch(overlap);
    await r.worker.terminate();
    // Side by side is fine; destroy() gives the bytes back.
    const b = createHeap({ buffer, byteOffset: 8 * MiB, byteLength: 4 * MiB, maxThreads: 2 });
    expect(codeOf(() => a.destroy())).toBe('no error');
    expect(codeOf(() => a.malloc(1))).toMatch(/^EDETACHED/);
    const c = createHeap({ buffer, byteOffset: 3 * MiB, byteLength: 5 * MiB, maxThreads: 2 });
    const q = c.malloc(100);
    c.free(q);
    b.destroy();
    c.destroy();
  });

  it('still sees a heap in a WebAssembly.Memory after memory.grow (memory.buffer is then a new object)', () => {
    const memory = new WA.Memory({ initial: 256, maximum: 1024, shared: true }); // 16 MiB of 64 KiB pages
    const a = createHeap({ buffer: memory.buffer, byteOffset: MiB, byteLength: 8 * MiB, maxThreads: 2 });
    const overlap = /^EOVERLAP: createHeap: the region \[3145728, 7340032\) overlaps the heap at \[1048576, 9437184\)/;
    expect(codeOf(() => createHeap({ buffer: memory.buffer, byteOffset: 3 * MiB, byteLength: 4 * MiB }))).toMatch(overlap);
    memory.grow(16);
    expect(memory.buffer).not.toBe(a.buffer);
    expect(codeOf(() => createHeap({ buffer: memory.buffer, byteOffset: 3 * MiB, byteLength: 4 * MiB }))).toMatch(overlap);
    // Another heap at the same offsets of an unrelated buffer is no overlap.
    const b = createHeap({ buffer: new SharedArrayBuffer(16 * MiB), byteOffset: 3 * MiB, byteLength: 4 * MiB, maxThreads: 2 });
    b.destroy();
    a.destroy();
    createHeap({ buffer: memory.buffer, byteOffset: 3 * MiB, byteLength: 4 * MiB, maxThreads: 2 }).destroy(); // the bytes are free again
  });

  it('destroy() refuses while other threads are attached', () => {
    const buffer = new SharedArrayBuffer(4 * MiB);
    const a = createHeap({ buffer, maxThreads: 2 });
    const a2 = attachHeap(a.handle);
    expect(codeOf(() => a.destroy())).toMatch(/^EBUSY: destroy: 1 other thread\(s\) are attached/);
    expect(a.malloc(1)).toBeGreaterThan(0); // refused, and nothing lost
    a2.detach();
    a.destroy();
  });
});
