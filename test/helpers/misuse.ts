/**
 * Misuse (test/heap/misuse.test.ts, and the S57 lane in test/lanes/s57.test.ts): every bad
 * input gets a HeapError with the right code and a message naming the bad
 * value, and the heap keeps working afterwards (blocks that were live before
 * keep their contents).
 */
import { describe, expect, it } from 'vitest';
import type { HeapError as HeapErrorType, Heap } from '../../src/index.ts';

type Lib = Pick<typeof import('../../src/index.ts'), 'createHeap' | 'attachHeap' | 'HeapError'>;

function expectCodeOf(cls: typeof HeapErrorType, fn: () => unknown, code: string, mentions?: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${code}`).toBeInstanceOf(cls);
  expect((err as HeapErrorType).code).toBe(code);
  if (mentions !== undefined) expect((err as HeapErrorType).message).toContain(mentions);
}

/** Live blocks with known contents, to show nothing was lost. */
function witnesses(h: Heap): () => void {
  const blocks = [24, 3000, 70000].map((size, i) => {
    const p = h.malloc(size);
    h.u8.fill(0x40 + i, p, p + size);
    return { p, size, v: 0x40 + i };
  });
  return () => {
    for (const b of blocks) for (let i = 0; i < b.size; i += 7) expect(h.u8[b.p + i]).toBe(b.v);
    // And the heap still allocates and frees.
    const q = h.malloc(100);
    h.free(q);
    expect(h.malloc(100)).toBe(q);
  };
}

export interface MisuseLane {
  /** The lane's name in the suite's title. */
  readonly name: string;
  /**
   * A pointer inside a medium block: the default classes report it as not a live
   * block start (EDOUBLE_FREE); S57's runs know block starts (EINTERIOR).
   */
  readonly mediumInterior: 'EDOUBLE_FREE' | 'EINTERIOR';
}

/** The misuse suite over one build of the library (the sources, or a lane bundle). */
export function misuseSuite(lib: Lib, lane: MisuseLane): void {
  const { createHeap, attachHeap, HeapError } = lib;
  const expectCode = (fn: () => unknown, code: string, mentions?: string): void => expectCodeOf(HeapError, fn, code, mentions);

  describe(lane.name === 'scale' ? 'misuse' : `misuse (${lane.name} lane)`, () => {
    it('rejects bad sizes', () => {
      const h = createHeap({ maxBytes: 32 << 20 });
      const ok = witnesses(h);
      for (const bad of [-1, NaN, 1.5, Infinity, -Infinity, '16', undefined, null, {}, 2 ** 53, 16n]) {
        expectCode(() => h.malloc(bad as never), 'ESIZE');
        expectCode(() => h.calloc(bad as never, 1), 'ESIZE');
        expectCode(() => h.alignedAlloc(64, bad as never), 'ESIZE');
      }
      expectCode(() => h.malloc(-1), 'ESIZE', '-1');
      expectCode(() => h.malloc(64 << 20), 'EEXHAUSTED', 'larger than the heap');
      expectCode(() => h.calloc(2 ** 40, 2 ** 20), 'ESIZE', 'overflows');
      ok();
    });

    it('rejects bad alignments', () => {
      const h = createHeap({ maxBytes: 32 << 20 });
      for (const bad of [0, 3, 24, 2 << 20, -16, 1.5, '64', NaN]) expectCode(() => h.alignedAlloc(bad as never, 10), 'EALIGN');
    });

    it('rejects pointers that are not this heap\'s live blocks', () => {
      const h = createHeap({ maxBytes: 32 << 20 });
      const ok = witnesses(h);
      const small = h.malloc(48);
      const medium = h.malloc(12000);
      const large = h.malloc(100_000);
      const meta = h.stats().metadataBytes;
      const cases: Array<[unknown, string]> = [
        ['x', 'EPTR_TYPE'],
        [{}, 'EPTR_TYPE'],
        [null, 'EPTR_TYPE'],
        [undefined, 'EPTR_TYPE'],
        [16n, 'EPTR_TYPE'],
        [NaN, 'EPTR_TYPE'],
        [-16, 'EPTR_RANGE'],
        [small + 0.5, 'EPTR_TYPE'], // a fraction: not an integer byte offset, whatever its range
        [32 << 20, 'EPTR_RANGE'],
        [2 ** 32 + small, 'EPTR_RANGE'],
        [4096, 'EPTR_RANGE'], // metadata
        [small + 8, 'EPTR_ALIGN'],
        [small + 16, 'EINTERIOR'],
        [medium + 4096, lane.mediumInterior], // a page inside the medium block
        [medium + 16, lane.mediumInterior], // inside a medium block
        [large + 4096, 'EINTERIOR'],
        [large + 16, 'EINTERIOR'],
        [meta + (20 << 20), 'EPTR_NOT_ALLOCATED'], // a data page nobody has used
      ];
      for (const [p, code] of cases) {
        expectCode(() => h.free(p as never), code);
        expectCode(() => h.usableSize(p as never), code);
        expectCode(() => h.realloc(p as never, 10), code);
      }
      expect(h.usableSize(small)).toBe(48);
      ok();
    });

    it('catches double free of small, medium and large blocks', () => {
      const h = createHeap({ maxBytes: 32 << 20 });
      const ok = witnesses(h);
      for (const size of [16, 48, 2048, 3000, 32768, 40000, 2 << 20]) {
        const p = h.malloc(size);
        const other = h.malloc(size); // keeps the page tagged after p is freed
        h.free(p);
        expect(() => h.free(p)).toThrow(HeapError);
        try {
          h.free(p);
        } catch (e) {
          expect(['EDOUBLE_FREE', 'EPTR_NOT_ALLOCATED']).toContain((e as HeapErrorType).code);
        }
        // The failed free lost nothing: the next two mallocs of this size are distinct.
        const a = h.malloc(size);
        const b = h.malloc(size);
        expect(a).not.toBe(b);
        h.free(a);
        h.free(b);
        h.free(other);
      }
      ok();
    });

    it('free(0) is a no-op, realloc(0, n) is malloc', () => {
      const h = createHeap({ maxBytes: 32 << 20 });
      h.free(0);
      const p = h.realloc(0, 64);
      expect(h.usableSize(p)).toBe(64);
    });

    it('reports an exhausted heap by throwing, or with 0 when asked, and recovers after frees', () => {
      for (const mode of ['throw', 'null'] as const) {
        const h = createHeap({ maxBytes: 16 << 20, onExhausted: mode });
        const ok = witnesses(h);
        const blocks: number[] = [];
        let failed = false;
        for (let i = 0; i < 10_000 && !failed; i++) {
          try {
            const p = h.malloc(256 << 10);
            if (p === 0) failed = true;
            else blocks.push(p);
          } catch (e) {
            expect((e as HeapErrorType).code).toBe('EEXHAUSTED');
            expect((e as HeapErrorType).message).toContain('262144');
            failed = true;
          }
        }
        expect(failed).toBe(true);
        expect(blocks.length).toBeGreaterThan(10);
        for (const p of blocks) h.free(p);
        expect(h.malloc(256 << 10)).toBeGreaterThan(0);
        ok();
      }
    });

    it('rejects bad options and handles', () => {
      for (const bad of [1, -1, 2 ** 33, 1.5, 'big']) expectCode(() => createHeap({ maxBytes: bad as never }), 'EINVAL');
      expectCode(() => createHeap({ maxThreads: 0 }), 'EINVAL');
      expectCode(() => createHeap({ maxThreads: 256 }), 'EINVAL');
      expectCode(() => createHeap({ onExhausted: 'maybe' as never }), 'EINVAL');
      expectCode(() => attachHeap({} as never), 'EHANDLE');
      expectCode(() => attachHeap({ buffer: new SharedArrayBuffer(1 << 20) } as never), 'EHANDLE');
      expectCode(() => attachHeap({ buffer: new SharedArrayBuffer(16) } as never), 'EHANDLE', 'has 16 bytes');
      expectCode(() => createHeap(null as never), 'EINVAL', 'options must be an object, got null');
      const h = createHeap({ maxBytes: 16 << 20 });
      expectCode(() => attachHeap(h.handle, null as never), 'EINVAL', 'attachHeap: options must be an object, got null');
      expectCode(() => attachHeap(h.handle, { threadCacheBytes: 'lots' as never }), 'EINVAL', 'threadCacheBytes');
      expectCode(() => h.reclaimDeadThreads(null as never), 'EINVAL', 'reclaimDeadThreads: options must be an object');
      expectCode(() => h.watch({} as never), 'EINVAL', 'watch: expected a Worker');
      expectCode(() => h.watch(null as never), 'EINVAL', 'got null');
      expect(h.stats().threads).toBe(1); // none of the refused calls attached anything
    });

    it('refuses corrupted headers with EHANDLE, naming the bad field', () => {
      const h = createHeap({ maxBytes: 16 << 20 });
      const header = new Uint32Array(h.buffer, 0, 32);
      const corrupt = (word: number, value: number, mentions: string): void => {
        const was = header[word]!;
        header[word] = value;
        expectCode(() => attachHeap(h.handle), 'EHANDLE', mentions);
        header[word] = was;
      };
      corrupt(4, 1000, 'maxThreads 1000 is not in [1, 255]'); // H_MAX_THREADS
      corrupt(4, 0, 'maxThreads 0');
      corrupt(5, 0, '0 segments, where 16777216 bytes make 16'); // H_SEGMENTS
      corrupt(3, 1, "it describes 4096 bytes, the handle's region has 16777216"); // H_ARENA_PAGES
      corrupt(6, 99, 'first data segment 99'); // H_FIRST_DATA_SEGMENT
      corrupt(8, 1000, 'next fresh segment 1000'); // H_FRESH_SEGMENT
      corrupt(1, 77, 'layout version 77'); // H_VERSION
      expect(attachHeap(h.handle).slot).toBe(1); // intact again
    });

    it('names what is really wrong with a pointer', () => {
      const h = createHeap({ maxBytes: 16 << 20 });
      const meta = h.stats().metadataBytes;
      expectCode(() => h.free(meta + 0.5), 'EPTR_TYPE', 'must be an integer byte offset, got 3145728.5');
      const p = h.malloc(48); // a page of 48-byte blocks: 85 blocks, then 16 unused bytes
      const tail = (p & ~4095) + 85 * 48;
      expectCode(() => h.free(tail), 'EPTR_NOT_ALLOCATED', 'unused last 16 bytes');
      expectCode(() => h.realloc(0, -1), 'ESIZE', 'realloc: size must be');
      h.free(p);
      expect(h.check().problems).toEqual([]);
    });

    it('refuses a thread running another build of hakozuna than the heap\'s', () => {
      const h = createHeap({ maxBytes: 32 << 20 });
      const header = new Uint32Array(h.buffer, 0, 32);
      const mine = header[19];
      header[19] = mine ^ 1; // as if another version had made the heap
      expectCode(() => attachHeap(h.handle), 'EBUILD', 'another build of hakozuna');
      header[19] = mine;
      expect(attachHeap(h.handle).slot).toBe(1);
    });

    it('refuses a thread past maxThreads and frees the slot on detach', () => {
      const h = createHeap({ maxBytes: 32 << 20, maxThreads: 2 });
      const second = attachHeap(h.handle);
      expectCode(() => attachHeap(h.handle), 'ETHREADS', '2 thread slots');
      const p = second.malloc(100);
      second.detach();
      expectCode(() => second.malloc(1), 'EDETACHED');
      const third = attachHeap(h.handle);
      expect(third.slot).toBe(second.slot);
      h.free(p); // another thread's block, freed after its owner left
      expect(h.stats().bytesInUse).toBe(0);
    });
  });
}
