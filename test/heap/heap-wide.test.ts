/**
 * Heap-wide operations: stats().liveBlocks, heap.isLive(ptr) (never throws, in
 * every lane), heap.reset() (every block freed at once; refused while other
 * threads are attached), and onExhausted 'null' returning 0 for any valid size
 * that does not fit.
 */
import { describe, expect, it } from 'vitest';
import { attachHeap, createHeap, HeapError } from '../../src/index.ts';
import { laneBundle } from '../helpers/lanes.ts';
import { fill, freeAll } from '../helpers/fill.ts';

describe('stats().liveBlocks', () => {
  it('counts live small, medium and large blocks, also while frees of another thread are on their way home', () => {
    const h = createHeap({ maxBytes: 32 << 20 });
    const other = attachHeap(h.handle);
    const blocks = [16, 100, 3000, 20_000, 40_000, 2 << 20].map((n) => h.malloc(n));
    expect(h.stats().liveBlocks).toBe(6);
    other.free(blocks[0]!); // in other's remote ring
    other.free(blocks[1]!);
    expect(h.stats().liveBlocks).toBe(4);
    other.detach(); // the ring goes to h's inbox
    expect(h.stats().liveBlocks).toBe(4);
    for (const p of blocks.slice(2)) h.free(p);
    expect(h.stats().liveBlocks).toBe(0);
  });
});

describe.each(['scale', 'fast', 'safe'])('heap.isLive, %s lane', (lane) => {
  it('is true for live blocks only and never throws', async () => {
    const { lib } = await laneBundle(lane);
    const h = lib.createHeap({ maxBytes: 32 << 20 });
    const small = h.malloc(48);
    const medium = h.malloc(12_000); // a run of 3 pages
    const large = h.malloc(100_000);
    const freed = h.malloc(48);
    h.free(freed);
    for (const p of [small, medium, large]) expect(h.isLive(p), `live ${p}`).toBe(true);
    const notLive: unknown[] = [
      freed, small + 16, small + 48 * 100, medium + 4096, medium + 8192, large + 4096, large + 16, 0, -16, 1.5, NaN, 'x', null, undefined, {}, 16n,
      2 ** 40, h.stats().metadataBytes - 16, h.stats().arenaBytes - 4096,
    ];
    for (const p of notLive) expect(h.isLive(p as number), `not live ${String(p)}`).toBe(false);
    h.free(medium);
    expect(h.isLive(medium)).toBe(false);
    expect(h.isLive(small)).toBe(true);
  });
});

describe('heap.reset()', () => {
  it('frees every block at once, and the memory serves any class afterwards', () => {
    const h = createHeap({ maxBytes: 16 << 20 });
    const first = fill(h, [64, 3000, 100_000]);
    expect(h.stats().liveBlocks).toBe(first.blocks.length);
    expect(h.reset()).toBe(first.blocks.length);
    expect(h.stats()).toMatchObject({ bytesInUse: 0, liveBlocks: 0, cachedBytes: 0, largeBytes: 0, segmentsOpen: 0 });
    expect(h.check()).toMatchObject({ problems: [], leakedPages: 0 });
    expect(h.isLive(first.blocks[0]!)).toBe(false);
    const again = fill(h, [256]); // a class size that fills pages exactly
    expect(again.bytes).toBeGreaterThan(0.95 * h.stats().dataBytes);
    freeAll(h, again.blocks);
  });

  it('is refused while another thread is attached, naming it, and changes nothing', () => {
    const h = createHeap({ maxBytes: 16 << 20 });
    const other = attachHeap(h.handle);
    const p = h.malloc(100);
    h.u32[p >>> 2] = 0xabcd;
    let err: HeapError | undefined;
    try {
      h.reset();
    } catch (e) {
      err = e as HeapError;
    }
    expect(err?.code).toBe('EBUSY');
    expect(err?.message).toMatch(new RegExp(`1 other thread\\(s\\) are attached: slot ${other.slot} `));
    expect(h.isLive(p)).toBe(true);
    expect(h.u32[p >>> 2]).toBe(0xabcd);
    other.detach();
    expect(h.reset()).toBe(1);
    expect(() => other.reset()).toThrow(/EDETACHED/);
  });
});

describe("onExhausted: 'null'", () => {
  it('returns 0 for any valid size that does not fit, large or larger than the heap; ESIZE stays for sizes that are not sizes', () => {
    const h = createHeap({ maxBytes: 16 << 20, onExhausted: 'null' });
    expect(h.malloc(64 << 20)).toBe(0);
    expect(h.malloc(2 ** 40)).toBe(0);
    expect(h.calloc(1, 64 << 20)).toBe(0);
    expect(h.alignedAlloc(8192, 64 << 20)).toBe(0);
    expect(() => h.malloc(-1)).toThrow(/ESIZE/);
    expect(() => h.malloc(1.5)).toThrow(/ESIZE/);
    const t = createHeap({ maxBytes: 16 << 20 });
    expect(() => t.malloc(64 << 20)).toThrow(/EEXHAUSTED: cannot allocate .* larger than the heap's \d+ data bytes/);
  });
});

describe('small arenas', () => {
  it('go down to 1 MiB of data; a size too small for the thread slots says what to change', () => {
    const h = createHeap({ maxBytes: 2 << 20, maxThreads: 8 });
    expect(h.stats()).toMatchObject({ arenaBytes: 2 << 20, metadataBytes: 1 << 20, dataBytes: 1 << 20 });
    const first = fill(h, [64]);
    expect(first.bytes).toBeGreaterThan(0.95 * (1 << 20));
    freeAll(h, first.blocks);
    const again = fill(h, [8192]); // freed small pages serve another class
    expect(again.bytes).toBeGreaterThan(0.95 * (1 << 20));
    freeAll(h, again.blocks);
    expect(() => createHeap({ maxBytes: 2 << 20 })).toThrow(/maxBytes 2097152 leaves no data segment after 2097152 bytes of metadata for 64 threads; raise maxBytes to 3145728 or lower maxThreads/);
    expect(() => createHeap({ maxBytes: 1 << 20 })).toThrow(/EINVAL: maxBytes must be an integer in \[2097152, /);
  });
});
