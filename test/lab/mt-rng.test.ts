/**
 * The multi-worker workloads' RNGs and loop decisions, checked against values
 * computed independently: the C code of larson.cpp (lran2) and mimalloc's
 * test-stress.c (hash), compiled with gcc, and the same in Python; plus BigInt
 * models written here. Also the data checks of mstress, and the loops of
 * larson and mt_remote replayed against models.
 */
import { describe, expect, it } from 'vitest';
import { lran2, lran2Init, LRAN2_WORDS } from '../../packages/lab/bench/workloads/lran2.ts';
import { SplitMix } from '../../packages/lab/bench/workloads/splitmix.ts';
import { larsonLoop } from '../../packages/lab/bench/workloads/mt/larson.ts';
import { mtRemoteLoop, RING } from '../../packages/lab/bench/workloads/mt/mt-remote.ts';
import { allocItems, COOKIE_HI, COOKIE_LO, freeItems, MstressCorruption, stress, TRANSFERS } from '../../packages/lab/bench/workloads/mt/mstress.ts';
import { parseAllocatorRef } from '../../packages/lab/src/allocators.ts';
import { planMt } from '../../packages/lab/src/mt-bench.ts';

// Printed by a C program with larson.cpp's lran2_init/lran2 (gcc -O2) and checked with Python.
const LRAN2_C: Record<number, number[]> = {
  4141: [562984, 514304, 603572, 409634, 264819, 404388],
  0: [500655, 445885, 246850, 257011, 701815, 506293],
  1: [393554, 432897, 480504, 311349, 86891, 538745],
  714030: [325639, 405910, 590523, 293156, 136188, 396570], // (IC - seed) < 0: C's % then |x|
  150889: [535288, 65057, 691932, 353783, 701300, 618962],
};

// Printed by a C program with test-stress.c's hash() (uintptr_t, gcc -O2) and checked with Python.
const HASH_C: Record<number, bigint[]> = {
  43: [0x4f0a61d9c798d8can, 0x1ed03ccdcf2c7a9n, 0xe2ab720ac34b2157n, 0x32b91026b8ae41dcn],
  86: [0x9e14c3b38f31b195n, 0xfdc822c5c6c6098cn, 0x8d4c64b75430a58an, 0x57564f3265368e65n],
  1849: [0x29ad8acb74dfeb4n, 0xa7bca63090c48847n, 0x1a930b5b1180e55dn, 0x8d450498ac1123b3n],
};

const M64 = (1n << 64n) - 1n;
function hashBig(x: bigint): bigint {
  x ^= x >> 30n;
  x = (x * 0xbf58476d1ce4e5b9n) & M64;
  x ^= x >> 27n;
  x = (x * 0x94d049bb133111ebn) & M64;
  x ^= x >> 31n;
  return x;
}

/** lran2 written again, on plain arrays (the model). */
function lran2Model(seed: number): () => number {
  let x = Math.abs((150889 - seed) % 714025);
  const v: number[] = [];
  for (let j = 0; j < 97; j++) v.push((x = (1366 * x + 150889) % 714025));
  x = (1366 * x + 150889) % 714025;
  let y = x;
  return () => {
    const j = y % 97;
    y = v[j]!;
    x = (1366 * x + 150889) % 714025;
    v[j] = x;
    return y;
  };
}

describe('lran2', () => {
  it('matches the C lran2 of larson.cpp', () => {
    for (const [seed, want] of Object.entries(LRAN2_C)) {
      const st = lran2Init(Number(seed));
      expect(want.map(() => lran2(st)), `seed ${seed}`).toEqual(want);
    }
  });

  it('matches the model over 100k draws, and its state is 99 words', () => {
    const st = lran2Init(4141);
    expect(st.length).toBe(LRAN2_WORDS);
    const m = lran2Model(4141);
    for (let i = 0; i < 100_000; i++) if (lran2(st) !== m()) throw new Error(`draw ${i} differs`);
  });

  it("larson's inlined draws are lran2's: the loop frees r % blocks and allocates min + r % range", () => {
    const blocks = 50;
    const arr = new Uint32Array(2 * blocks);
    for (let i = 0; i < arr.length; i++) arr[i] = 1000 + i;
    const ops: [string, number][] = [];
    let next = 5000;
    const alloc = {
      malloc(size: number): number {
        ops.push(['malloc', size]);
        return (next += 16);
      },
      free(p: number): void {
        ops.push(['free', p]);
      },
    };
    const rng = lran2Init(777);
    const u8 = new Uint8Array(1 << 20);
    const ctrl = new Int32Array(new SharedArrayBuffer(8));
    const done = larsonLoop(alloc, u8, arr, blocks, blocks, 1000, 8, 992, rng, ctrl);
    expect(done).toBe(1000);
    // Model: the same decisions from lran2 itself, slice 1 of arr.
    const m = lran2Model(777);
    const marr = new Uint32Array(2 * blocks);
    for (let i = 0; i < marr.length; i++) marr[i] = 1000 + i;
    const want: [string, number][] = [];
    let mnext = 5000;
    for (let c = 0; c < 1000; c++) {
      const victim = blocks + (m() % blocks);
      want.push(['free', marr[victim]!]);
      const size = 8 + (m() % 992);
      want.push(['malloc', size]);
      marr[victim] = mnext += 16;
    }
    expect(ops).toEqual(want);
    expect([...arr]).toEqual([...marr]);
    // Bytes 0 and 1 of each new block were written 'a', 'b'.
    for (let i = blocks; i < 2 * blocks; i++) {
      if (arr[i]! < 5000) continue;
      expect(u8[arr[i]!]).toBe(97);
      expect(u8[arr[i]! + 1]).toBe(98);
    }
    // The state handed on is the model's: the next draw agrees.
    const st = Int32Array.from(rng);
    expect(lran2(st)).toBe(m());
  });
});

describe('splitmix (mstress)', () => {
  it("matches the C hash() of mimalloc's test-stress.c", () => {
    for (const [seed, want] of Object.entries(HASH_C)) {
      const r = new SplitMix(Number(seed));
      const got = want.map(() => {
        r.step();
        return r.value();
      });
      expect(got, `seed ${seed}`).toEqual(want);
    }
  });

  it('matches a BigInt model over 50k steps, and mod(m) is the 64-bit value mod m', () => {
    for (const seed of [43, 86, 1849, 0, 2 ** 40 + 12345]) {
      const r = new SplitMix(seed);
      let b = BigInt(seed);
      for (let i = 0; i < 50_000; i++) {
        r.step();
        b = hashBig(b);
        if (r.value() !== b) throw new Error(`seed ${seed} step ${i}: ${r.value()} != ${b}`);
        for (const m of [100, 5, 7, TRANSFERS, 99_991, (1 << 26) - 5]) {
          if (r.mod(m) !== Number(b % BigInt(m))) throw new Error(`seed ${seed} step ${i}: mod ${m}`);
        }
      }
    }
  });

  it('chance(p) is pick % 100 <= p (so chance(50) is 51%), values computed in Python', () => {
    // pick % 100 for seed 43: 62, 65, 91, 92, 5, 80, 54, 59, 27, 83, 73, 93.
    const r = new SplitMix(43);
    expect(Array.from({ length: 12 }, () => r.pickMod(100))).toEqual([62, 65, 91, 92, 5, 80, 54, 59, 27, 83, 73, 93]);
    const c = new SplitMix(43);
    expect(Array.from({ length: 12 }, () => c.chance(62))).toEqual([true, false, false, false, true, false, true, true, true, false, false, false]);
  });
});

/** A bump allocator over a plain buffer: free records the pointer (mstress checks the words before it frees). */
function bump(bytes: number): { alloc: { malloc(n: number): number; free(p: number): void }; u32: Uint32Array; live: Set<number> } {
  const u32 = new Uint32Array(bytes / 4);
  const live = new Set<number>();
  let top = 16;
  return {
    u32,
    live,
    alloc: {
      malloc(n: number): number {
        const p = top;
        top += Math.ceil(n / 16) * 16;
        if (top > bytes) throw new Error('bump: out of memory');
        live.add(p);
        return p;
      },
      free(p: number): void {
        if (!live.delete(p)) throw new Error(`free of ${p}: not live`);
      },
    },
  };
}

describe('mstress blocks', () => {
  it('writes word i = (n - i) ^ 0xbf58476d1ce4e5b9 as two little-endian halves', () => {
    const { alloc, u32 } = bump(1 << 20);
    const c = { allocations: 0, frees: 0, bytes: 0, words: 0 };
    const r = new SplitMix(1); // the first chance(1) draws decide the scaling; find an unscaled block
    let p = 0;
    let n = 0;
    for (let tries = 0; tries < 10; tries++) {
      const before = c.words;
      p = allocItems(alloc, u32, 4, r, c);
      n = c.words - before;
      if (n === 4) break;
    }
    expect(n).toBe(4);
    const view = new DataView(u32.buffer);
    for (let i = 0; i < n; i++) {
      const word = view.getBigUint64(p + 8 * i, true);
      expect(word).toBe(BigInt(n - i) ^ 0xbf58476d1ce4e5b9n);
    }
    expect((BigInt(COOKIE_HI) << 32n) | BigInt(COOKIE_LO)).toBe(0xbf58476d1ce4e5b9n); // the two halves of the cookie
    freeItems(alloc, u32, p, c, 'test');
    expect(c.frees).toBe(1);
  });

  it('freeing checks every word: a changed word anywhere fails with the block and the word', () => {
    const { alloc, u32 } = bump(1 << 20);
    const c = { allocations: 0, frees: 0, bytes: 0, words: 0 };
    const p = allocItems(alloc, u32, 16, new SplitMix(7), c);
    const n = c.words;
    u32[(p >>> 2) + 2 * (n - 1)] ^= 1; // last word, low half
    expect(() => freeItems(alloc, u32, p, c, 'test')).toThrow(MstressCorruption);
    expect(() => freeItems(alloc, u32, p, c, 'test')).toThrow(new RegExp(`block ${p} of ${n} items .*word ${n - 1}`));
    u32[(p >>> 2) + 2 * (n - 1)] ^= 1;
    u32[(p >>> 2) + 1] = 0; // word 0's high half: not an item count
    expect(() => freeItems(alloc, u32, p, c, 'test')).toThrow(/no item count/);
  });

  it('stress(tid) frees everything it allocated; transfers move blocks between threads', () => {
    const { alloc, u32, live } = bump(256 << 20);
    const transfer = new Int32Array(new SharedArrayBuffer(TRANSFERS * 4));
    const c0 = stress(alloc, u32, 0, 2, transfer, 'test');
    const c1 = stress(alloc, u32, 1, 2, transfer, 'test');
    expect(c0.allocations).toBe(200 + 100); // allocs = 100*scale*(tid%8+1), retain = allocs/2
    expect(c1.allocations).toBe(400 + 200);
    const inTransfer = [...transfer].filter((x) => x !== 0).length;
    expect(inTransfer).toBeGreaterThan(0);
    expect(live.size).toBe(inTransfer); // what is not freed is exactly what sits in the transfer array
    expect(c0.allocations + c1.allocations - c0.frees - c1.frees).toBe(inTransfer);
  });
});

describe('mt_remote loop', () => {
  it('one thread, ring to itself: slot, remote and size draws as BENCHMARKS.md says (BigInt LCG model)', () => {
    const iters = 20_000;
    const remote = 50;
    const ops: string[] = [];
    let next = 16;
    const alloc = {
      malloc(size: number): number {
        ops.push(`m${size}`);
        return (next += 16);
      },
      free(p: number): void {
        ops.push(`f${p}`);
      },
    };
    const i32 = new Int32Array(new SharedArrayBuffer((4 + 4 + RING) * 4));
    mtRemoteLoop(alloc, i32, 4, 4, iters, 0x12345678, 16, 2048, remote);
    // Model.
    let x = 0x12345678n;
    const lcg = (): bigint => (x = (x * 1664525n + 1013904223n) % 4294967296n);
    const slots = new Map<bigint, number>();
    const ring: number[] = [];
    const want: string[] = [];
    let mnext = 16;
    for (let i = 0; i < iters; i++) {
      while (ring.length > 0) want.push(`f${ring.shift()!}`);
      const slot = lcg() % 400n;
      const p = slots.get(slot);
      if (p !== undefined) {
        slots.delete(slot);
        if (lcg() % 100n < BigInt(remote)) ring.push(p);
        else want.push(`f${p}`);
      } else {
        const size = 16n + (lcg() % 2033n);
        want.push(`m${size}`);
        slots.set(slot, (mnext += 16));
      }
    }
    // End: the loop frees its slots (in slot order); the ring is left for the drain.
    for (const s of [...slots.keys()].sort((a, b) => (a < b ? -1 : 1))) want.push(`f${slots.get(s)!}`);
    expect(ops.length).toBe(want.length);
    expect(ops).toEqual(want);
    expect(Atomics.load(i32, 4 + 1) - Atomics.load(i32, 4)).toBe(ring.length);
  });
});

describe('allocator ids and multi-worker plans', () => {
  it('hakozuna@LANE+FLAG=V gives a variant its own flags; lab lanes s61 and s55-3b carry theirs', () => {
    expect(parseAllocatorRef('hakozuna@s61', 'scale')).toMatchObject({ lane: 's61', flags: { HZ3_S61_THREAD_EXIT_PURGE: 1 } });
    expect(parseAllocatorRef('hakozuna@s55-3b', 'scale')).toMatchObject({ lane: 's55-3b', flags: { HZ3_S55_3B_DELAYED_SUBRELEASE: 1 } });
    expect(parseAllocatorRef('hakozuna@x+HZ3_EPOCH_REFILLS=256+HZ3_S61_THREAD_EXIT_PURGE=1', 'scale')).toMatchObject({
      lane: 'x',
      flags: { HZ3_EPOCH_REFILLS: 256, HZ3_S61_THREAD_EXIT_PURGE: 1 },
    });
    expect(parseAllocatorRef('hakozuna@mem', 'scale').flags).toBeUndefined();
    expect(() => parseAllocatorRef('hakozuna@x+NOPE', 'scale')).toThrow(/"NOPE" must be written NAME=VALUE/);
    // The flag registry's parser: true/false, and names and ranges checked at once.
    expect(parseAllocatorRef('hakozuna@x+HZ3_S61_THREAD_EXIT_PURGE=true', 'scale').flags).toEqual({ HZ3_S61_THREAD_EXIT_PURGE: 1 });
    expect(() => parseAllocatorRef('hakozuna@x+HZ3_NOPE=1', 'scale')).toThrow(/allocator "hakozuna@x\+HZ3_NOPE=1": unknown flag HZ3_NOPE/);
  });

  it('plans: extra lanes only without --allocators, noop and gc skipped where they cannot run, --param checked', () => {
    const refs = ['noop', 'hakozuna', 'thing', 'gc'].map((id) => parseAllocatorRef(id, 'scale'));
    const plan = planMt({ workloads: ['mstress', 'larson'], refs, allocatorsGiven: false, lane: 'scale', quick: false });
    expect(plan.instances.map((i) => i.name)).toEqual(['mstress_t2', 'larson_t1', 'larson_t2']);
    const ms = plan.instances[0]!;
    expect(ms.runs.map((r) => r.ref.id)).toEqual(['hakozuna', 'hakozuna@mem', 'hakozuna@s55-3b']);
    expect(ms.skipped.map((s) => s.id)).toEqual(['noop', 'thing']); // thing: ~23 s a run, only when asked for
    expect(plan.instances[2]!.runs.map((r) => r.ref.id)).toEqual(['noop', 'hakozuna', 'thing', 'hakozuna@s55-3b']);
    expect(plan.notes.join(' ')).toMatch(/gc/);
    expect(plan.extraRefs.map((r) => r.id).sort()).toEqual(['hakozuna@mem', 'hakozuna@s55-3b']);
    const given = planMt({ workloads: ['larson'], refs, allocatorsGiven: true, lane: 'scale', quick: true, threads: [3], params: { 'larson.seconds': 0.5 } });
    expect(given.instances.map((i) => i.name)).toEqual(['larson_t3']);
    expect(given.instances[0]!.params.seconds).toBe(0.5);
    expect(given.extraRefs).toEqual([]);
    expect(() => planMt({ workloads: ['larson'], refs, allocatorsGiven: true, lane: 'scale', quick: true, params: { nope: 1 } })).toThrow(/--param nope/);
  });
});
