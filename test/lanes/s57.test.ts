/**
 * S57 finer medium classes (HZ3_S57_MEDIUM_FINE_CLASSES), in bundles built with
 * the flag on: class boundaries and run packing; multi-object medium runs
 * (objects straddling pages, interior pointers named with their block start,
 * alignedAlloc, heap.check()); reclaim returning a run only when all its objects
 * are free, and refilling a heap emptied by another size mix; the S56 observer
 * against the new classes; and the model, misuse and cross-thread tests in the
 * S57 build.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildLane, ROOT } from '../../scripts/lane-build.mjs';
import { laneBundle } from '../helpers/lanes.ts';
import { runModel, Rng } from '../helpers/model.ts';
import { misuseSuite } from '../helpers/misuse.ts';
import { runWorker, workerScript } from '../helpers/workers.ts';
import { fill, freeAll } from '../helpers/fill.ts';
import { checkBlock } from '../workers/blocks.ts';
import { runBench } from '../../packages/lab/src/bench.ts';
import type { MtRunRecord } from '../../packages/lab/src/mt-bench.ts';

const S57 = { HZ3_S57_MEDIUM_FINE_CLASSES: 1 } as const;
const PAGE = 4096;
type SizeClasses = typeof import('../../src/heap/size-classes.ts');
type Lib = typeof import('../../src/index.ts');
type Heap = import('../../src/index.ts').Heap;

/** size-classes.ts as the S57 lane builds it. */
async function s57SizeClasses(): Promise<SizeClasses> {
  const { outdir } = await buildLane('s57', S57, undefined, {
    outRoot: join(ROOT, 'dist', 'test-s57-classes'),
    entries: { 'size-classes': join(ROOT, 'src', 'heap', 'size-classes.ts') },
  });
  return (await import(pathToFileURL(join(outdir, 'size-classes.js')).href)) as SizeClasses;
}

const { lib } = await laneBundle('s57', S57);
const sc = await s57SizeClasses();

/** The error code (and message) `fn` throws. */
function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    return { code: (e as { code: string }).code, message: (e as Error).message };
  }
  throw new Error('expected an error');
}

describe('S57 class boundaries and run packing', () => {
  it('maps every size 0..32768 to the smallest class that holds it', () => {
    expect(sc.NUM_MEDIUM_BINS).toBe(32);
    expect(sc.NUM_BINS).toBe(160);
    const bad: string[] = [];
    for (let size = 0; size <= sc.MAX_MEDIUM_SIZE; size++) {
      const bin = sc.binOfSize(size);
      if (sc.binOfGranules[(size + 15) >>> 4] !== bin) bad.push(`${size}: table says ${sc.binOfGranules[(size + 15) >>> 4]}, binOfSize ${bin}`);
      if (sc.binSize(bin) < size) bad.push(`${size}: class ${bin} holds only ${sc.binSize(bin)} B`);
      // With S57 the smaller class is too small across the small/medium boundary as well (2048 < 2049).
      if (bin > 0 && sc.binSize(bin - 1) >= size) bad.push(`${size}: class ${bin - 1} (${sc.binSize(bin - 1)} B) already holds it`);
      if (size > sc.MAX_SMALL_SIZE && (sc.binSize(bin) - size) * 9 >= sc.binSize(bin)) bad.push(`${size}: rounds to ${sc.binSize(bin)}, 1/9 or more wasted`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
    expect(sc.binOfSize(2048)).toBe(127);
    expect(sc.binOfSize(2049)).toBe(128);
    expect(sc.binSize(128)).toBe(2304);
    expect(sc.binSize(159)).toBe(32768);
  });

  it('spaces the medium classes from 2 KiB to 32 KiB at most 12.5% apart, within the layout limits', () => {
    const sizes = Array.from({ length: 32 }, (_, m) => sc.binSize(128 + m));
    expect(sizes.slice(0, 9)).toEqual([2304, 2560, 2816, 3072, 3328, 3584, 3840, 4096, 4608]);
    for (let b = 128; b < 160; b++) {
      expect(sc.binSize(b) / sc.binSize(b - 1), `class ${b}`).toBeLessThanOrEqual(1.125);
      expect(sc.binSize(b) % 256).toBe(0);
    }
    // A page tag's bin byte (LARGE_BIN = 0xff), the slot's 256 cache bins, carved[] from word 64 below word 1024.
    expect(sc.NUM_BINS).toBeLessThan(0xff);
    expect(64 + sc.NUM_BINS).toBeLessThan(1024);
  });

  it('packs each class into the fewest pages that leave a tail of at most 1/16 of the run', () => {
    const rows: string[] = [];
    for (let b = 128; b < 160; b++) {
      const size = sc.binSize(b);
      const pages = sc.binRunPages(b);
      const objects = sc.binObjectsPerRun(b);
      const tail = pages * PAGE - objects * size;
      expect(objects, `class ${size}`).toBe(Math.floor((pages * PAGE) / size));
      expect(objects).toBeGreaterThanOrEqual(1);
      expect(tail * 16, `class ${size}: tail ${tail} of ${pages} pages`).toBeLessThanOrEqual(pages * PAGE);
      for (let n = 1; n < pages; n++) {
        const k = Math.floor((n * PAGE) / size);
        expect(k === 0 || (n * PAGE - k * size) * 16 > n * PAGE, `class ${size}: ${n} pages would do`).toBe(true);
      }
      expect(pages).toBeLessThanOrEqual(16); // a carve takes runs of at most 64 pages
      rows.push(`${size}:${pages}/${objects}`);
    }
    expect(rows).toEqual([
      '2304:3/5', '2560:2/3', '2816:5/7', '3072:3/4', '3328:5/6', '3584:7/8', '3840:1/1', '4096:1/1',
      '4608:6/5', '5120:4/3', '5632:7/5', '6144:3/2', '6656:5/3', '7168:7/4', '7680:2/1', '8192:2/1',
      '9216:7/3', '10240:5/2', '11264:11/4', '12288:3/1', '13312:10/3', '14336:7/2', '15360:4/1', '16384:4/1',
      '18432:9/2', '20480:5/1', '22528:11/2', '24576:6/1', '26624:13/2', '28672:7/1', '30720:8/1', '32768:8/1',
    ]);
    // Caps follow the default formula: 16..64 blocks of about 256 KiB per medium bin.
    for (let b = 128; b < 160; b++) expect(sc.binCap[b]).toBe(Math.max(16, Math.min(64, Math.floor((256 * 1024) / sc.binSize(b)))));
    expect(sc.FULL_CACHE_BYTES).toBe(16_899_056);
  });
});

describe('S57 multi-object medium runs', () => {
  it('lays objects end to end across pages and names an interior pointer with its block start', () => {
    const h = lib.createHeap({ maxBytes: 32 << 20 });
    // 3072 B: runs of 3 pages with 4 objects. The first carve of a bin is one run, handed out lowest first.
    const p = [0, 1, 2, 3].map(() => h.malloc(3000));
    const base = p[0]!;
    expect(base % PAGE).toBe(0);
    expect(p).toEqual([base, base + 3072, base + 6144, base + 9216]);
    for (const q of p) expect(h.usableSize(q)).toBe(3072);
    p.forEach((q, i) => h.u8.fill(0x30 + i, q, q + 3072));
    // Inside the block that straddles pages 0 and 1, and inside the one that straddles pages 1 and 2.
    for (const op of [(x: number) => h.free(x), (x: number) => h.usableSize(x), (x: number) => h.realloc(x, 10)]) {
      expect(errorOf(() => op(base + PAGE))).toEqual({
        code: 'EINTERIOR',
        message: expect.stringMatching(new RegExp(`pointer ${base + PAGE} \\(0x[0-9a-f]+\\) is 1024 bytes inside a 3072-byte block at ${base + 3072} `)),
      });
      expect(errorOf(() => op(base + 2 * PAGE + 16)).message).toMatch(new RegExp(`is 2064 bytes inside a 3072-byte block at ${base + 6144} `));
    }
    h.free(p[1]!);
    expect(errorOf(() => h.free(p[1]!)).code).toBe('EDOUBLE_FREE');
    p.forEach((q, i) => {
      if (i !== 1) for (let k = 0; k < 3072; k += 61) expect(h.u8[q + k]).toBe(0x30 + i);
    });
    // 2304 B: 5 objects in 3 pages, then a 768-byte tail that holds no block.
    const r = h.malloc(2300);
    expect(r % PAGE).toBe(0);
    expect(errorOf(() => h.free(r + 5 * 2304)).message).toMatch(/unused last 768 bytes of the 3-page run .* whose 5 blocks of 2304 bytes end at offset 11520/);
    expect(errorOf(() => h.free(r + 5 * 2304)).code).toBe('EPTR_NOT_ALLOCATED');
    expect(h.check().problems).toEqual([]);
  });

  it('aligns blocks of every medium size to every alignment up to 4 KiB', () => {
    const h = lib.createHeap({ maxBytes: 64 << 20 });
    const live: number[] = [];
    for (let a = 32; a <= PAGE; a *= 2) {
      for (const size of [1, 2049, 2300, 3000, 4097, 5000, 12000, 20000, 30000, 32768]) {
        const p = h.alignedAlloc(a, size);
        expect(p % a, `alignedAlloc(${a}, ${size})`).toBe(0);
        expect(h.usableSize(p)).toBeGreaterThanOrEqual(size);
        live.push(p);
      }
    }
    expect(h.check().problems).toEqual([]);
    for (const p of live) h.free(p);
    expect(h.stats().bytesInUse).toBe(0);
  });

  it('heap.check() finds a run whose pages lost their place', () => {
    const h = lib.createHeap({ maxBytes: 32 << 20 });
    const p = h.malloc(2300); // a 3-page run
    const runLen = new Uint32Array(h.buffer, (h as unknown as { arena: { layout: { runLenOffset: number } } }).arena.layout.runLenOffset);
    const page = p / PAGE;
    expect([runLen[page], runLen[page + 1], runLen[page + 2]]).toEqual([1, 2, 3]);
    runLen[page + 1] = 0;
    expect(h.check().problems.join('\n')).toMatch(/records run distance 0/);
    runLen[page + 1] = 2;
    expect(h.check().problems).toEqual([]);
  });
});


describe('S57 reclaim', () => {
  it('returns a multi-object run to its segment only when all its objects are free', () => {
    const h = lib.createHeap({ maxBytes: 32 << 20 });
    const bin = sc.binOfSize(2300);
    const run = [0, 1, 2, 3, 4].map(() => h.malloc(2300)); // one 3-page run of 5
    expect(run[4]! - run[0]!).toBe(4 * 2304);
    for (const p of run.slice(0, 4)) h.free(p);
    h.trim(); // the cache goes to central, central is scanned
    let c = h.check();
    expect(c.problems).toEqual([]);
    expect([c.freeBlocks[bin], c.liveBlocks[bin]]).toEqual([4, 1]); // one live object keeps the run
    expect(h.usableSize(run[4]!)).toBe(2304);
    h.free(run[4]!);
    h.trim();
    c = h.check();
    expect(c.problems).toEqual([]);
    expect([c.freeBlocks[bin], c.liveBlocks[bin]]).toEqual([0, 0]); // the run went back whole
    expect(errorOf(() => h.free(run[2]!)).code).toBe('EPTR_NOT_ALLOCATED');
  });

  it('refills a heap emptied of one S57 size mix with another to 95% of what a fresh heap holds', () => {
    const mixes: Array<[string, number[]]> = [
      ['2300 B (runs of 5 in 3 pages)', [2300]],
      ['3300 B (6 in 5 pages)', [3300]],
      ['5000 B (3 in 4 pages)', [5000]],
      ['mixed medium', [2100, 2900, 4700, 9000, 13000, 18000, 26000, 30000]],
      ['small and medium', [48, 2500, 700, 11000, 16]],
    ];
    const fresh = new Map<string, number>();
    for (const [name, sizes] of mixes) {
      const h = lib.createHeap({ maxBytes: 16 << 20 });
      const r = fill(h, sizes);
      fresh.set(name, r.bytes);
      expect(r.bytes, `${name} in a fresh heap`).toBeGreaterThan(0.8 * h.stats().dataBytes);
    }
    const h = lib.createHeap({ maxBytes: 16 << 20 });
    let prev = fill(h, [64]);
    for (const [name, sizes] of [...mixes, mixes[0]!]) {
      freeAll(h, prev.blocks);
      prev = fill(h, sizes);
      expect(prev.bytes, `${name} after the previous mix`).toBeGreaterThanOrEqual(0.95 * fresh.get(name)!);
    }
    freeAll(h, prev.blocks);
  });
});

describe('S56 observer against the S57 classes', () => {
  it('counts requested and class bytes per S57 class, each line naming its class size', async () => {
    const { lib: research } = await laneBundle('s57-research', { ...S57, HZ3_S56_MEDIUM_WASTE_OBSERVE: 1 });
    const h = research.createHeap({ maxBytes: 64 << 20 });
    // Hand-computed: 2049 -> sc 0 (2304); 3000 -> sc 3 (3072); 4097 -> sc 8 (4608); 12000 -> sc 19 (12288);
    // 32768 -> sc 31 (no waste); small and large requests are not counted.
    for (const size of [2049, 3000, 4097, 4097, 12000, 32768, 100, 2048, 40000]) h.free(h.malloc(size));
    const req = 2049 + 3000 + 4097 * 2 + 12000 + 32768;
    const alloc = 2304 + 3072 + 4608 * 2 + 12288 + 32768;
    const lines = h.report().lines;
    const waste = alloc - req;
    expect(lines).toContain(`[HZ3_MEDIUM_WASTE_OBS] req=${req} alloc=${alloc} waste=${waste} waste_pct=${((100 * waste) / alloc).toFixed(2)}`);
    const sc = lines.filter((l) => l.startsWith('[HZ3_MEDIUM_WASTE_SC]'));
    expect(sc).toHaveLength(32);
    expect(sc[0]).toBe('[HZ3_MEDIUM_WASTE_SC] sc=0 size=2304 req=2049 alloc=2304 waste=255');
    expect(sc[1]).toBe('[HZ3_MEDIUM_WASTE_SC] sc=1 size=2560 req=0 alloc=0 waste=0');
    expect(sc[3]).toBe('[HZ3_MEDIUM_WASTE_SC] sc=3 size=3072 req=3000 alloc=3072 waste=72');
    expect(sc[8]).toBe('[HZ3_MEDIUM_WASTE_SC] sc=8 size=4608 req=8194 alloc=9216 waste=1022');
    expect(sc[19]).toBe('[HZ3_MEDIUM_WASTE_SC] sc=19 size=12288 req=12000 alloc=12288 waste=288');
    expect(sc[31]).toBe('[HZ3_MEDIUM_WASTE_SC] sc=31 size=32768 req=32768 alloc=32768 waste=0');
  });
});

describe('model-based random test (S57 lane)', () => {
  it('runs 200,000 medium-heavy operations with content checks', () => {
    // A third of the requests medium (2049..32768 B), the rest small, a few large.
    const draw = (r: Rng): number => {
      const b = r.below(100);
      if (b < 45) return r.below(257);
      if (b < 65) return 257 + r.below(1792);
      if (b < 99) return 2049 + r.below(30720);
      return 32769 + r.below(200_000);
    };
    let total = 0;
    for (const seed of [0x5157, 0xfeed5157]) total += runModel(lib, seed, 100_000, draw).ops;
    expect(total).toBe(200_000);
  });
});

misuseSuite(lib as Lib, { name: 's57', mediumInterior: 'EINTERIOR' });

describe('S57 across threads', () => {
  it('3 workers swap and free each other\'s blocks, every block checked; the heap comes back sound', async () => {
    const script = await workerScript('stress-worker', 's57', S57);
    const h = lib.createHeap({ maxBytes: 256 << 20 });
    const transfer = new SharedArrayBuffer(1000 * 4);
    const control = new SharedArrayBuffer(64 * 4);
    const runs = [0, 1, 2].map((id) => runWorker(script, { handle: h.handle, transfer, control, id, ops: 60_000, mode: 'normal' }));
    await Promise.all(runs.map((r) => r.done));
    const slots = new Uint32Array(transfer);
    for (let i = 0; i < slots.length; i++) {
      const p = Atomics.exchange(slots, i, 0);
      if (p === 0) continue;
      checkBlock(h, p, 'main');
      h.free(p);
    }
    expect(h.stats().bytesInUse).toBe(0);
    const c = h.check();
    expect(c.problems).toEqual([]);
    expect(c.liveBlocks.reduce((s, n) => s + n, 0)).toBe(0);
    await Promise.all(runs.map((r) => r.worker.terminate()));
  });
});

describe('medium_app, the medium-heavy workload of the S57 A/B', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'hz-s57-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('runs on the default and the S57 lane, writing every page it asks for, and the heap comes back clean', { timeout: 60_000 }, async () => {
    const { results } = await runBench({
      quick: true,
      workloads: ['medium_app'],
      allocators: ['hakozuna', 'hakozuna@s57+HZ3_S57_MEDIUM_FINE_CLASSES=1'],
      threads: [1],
      params: { 'medium_app.iterations': 20_000 },
      outDir: join(tmp, 'out'),
      buildDir: join(tmp, 'build'),
      print: false,
      progress: false,
      html: false,
      command: 'test: bench --quick medium_app',
    });
    const runs = results.runs as MtRunRecord[];
    expect(runs).toHaveLength(2);
    for (const run of runs) {
      expect(run.ok, `${run.allocator}: ${run.error} ${run.stderr ?? ''}`).toBe(true);
      expect(run.workload).toBe('medium_app_t1');
      expect(run.mt!.heapCheck!.problems).toEqual([]);
      expect(run.mt!.heapCheck!.bytesInUseAfter).toBe(run.mt!.heapCheck!.bytesInUseBefore);
      expect(run.mt!.metrics.bytesRequested).toBeGreaterThan(20_000 * 2049 * 0.4);
    }
  });
});
