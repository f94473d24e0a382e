/**
 * The workloads' RNG and decisions, checked against a model written
 * independently here: BigInt arithmetic mod 2^32 and the `%` operator, and
 * literal values computed outside JavaScript (Python) for the first draws.
 */
import { describe, expect, it } from 'vitest';
import { lcgNext, LCG_SEED, umod } from '../../packages/lab/bench/workloads/lcg.ts';
import { checked, randomMixed } from '../../packages/lab/bench/workloads/random-mixed.ts';
import { distApp } from '../../packages/lab/bench/workloads/dist-app.ts';
import { WORKLOADS } from '../../packages/lab/bench/workloads/index.ts';
import type { BenchAllocator } from '../../packages/lab/bench/protocol.ts';

type Op = ['malloc', number, number] | ['free', number];

/** Records the calls; pointers are fresh ids, mapped back to the slot the model tracks. */
function recorder(): { alloc: BenchAllocator; ops: Op[]; live: Set<number> } {
  const ops: Op[] = [];
  const live = new Set<number>();
  let next = 1;
  return {
    ops,
    live,
    alloc: {
      malloc(size: number): number {
        const p = next++;
        ops.push(['malloc', p, size]);
        live.add(p);
        return p;
      },
      free(ptr: number): void {
        if (!live.delete(ptr)) throw new Error(`free of ${ptr}, not live`);
        ops.push(['free', ptr]);
      },
    },
  };
}

function bigLcg(seed: bigint): () => bigint {
  let x = seed;
  return () => (x = (x * 1664525n + 1013904223n) % 4294967296n);
}

/** The model: same decisions, computed with BigInt and %. Returns ops with pointer ids as the recorder numbers them. */
function model(iterations: number, size: (r: bigint, next: () => bigint) => bigint): Op[] {
  const next = bigLcg(BigInt(LCG_SEED));
  const slots = new Map<bigint, number>();
  const ops: Op[] = [];
  let id = 1;
  for (let i = 0; i < iterations; i++) {
    const r = next();
    const slot = r % 400n;
    const p = slots.get(slot);
    if (p !== undefined) {
      ops.push(['free', p]);
      slots.delete(slot);
    } else {
      const p2 = id++;
      ops.push(['malloc', p2, Number(size(r, next))]);
      slots.set(slot, p2);
    }
  }
  for (let s = 0n; s < 400n; s++) {
    const p = slots.get(s);
    if (p !== undefined) ops.push(['free', p]);
  }
  return ops;
}

describe('LCG', () => {
  it('first outputs from seed 0x12345678 (computed in Python)', () => {
    let x = LCG_SEED;
    const out: number[] = [];
    for (let i = 0; i < 5; i++) out.push((x = lcgNext(x)));
    expect(out).toEqual([1967335287, 3442499178, 635173569, 1264358700, 2229145243]);
  });

  it('matches BigInt mod 2^32 over 100k steps; umod matches %', () => {
    const ref = bigLcg(BigInt(LCG_SEED));
    let x = LCG_SEED;
    for (let i = 0; i < 100_000; i++) {
      x = lcgNext(x);
      const r = ref();
      if (BigInt(x) !== r) throw new Error(`step ${i}: ${x} != ${r}`);
      for (const m of [400, 100, 241, 1792, 30720, 2033, 28673, 32753]) {
        if (umod(x, m) !== x % m) throw new Error(`umod(${x}, ${m})`);
      }
    }
  });
});

describe('random_mixed', () => {
  it('first operations of the small range (computed in Python)', () => {
    const rec = recorder();
    randomMixed(rec.alloc, 8, 16, 2048);
    expect(rec.ops.slice(0, 8).map((o) => (o[0] === 'malloc' ? o[2] : -1))).toEqual([1203, 1997, 1362, 1455, 1419, 1436, 914, 27]);
  });

  for (const [name, lo, hi] of [
    ['random_mixed_small', 16, 2048],
    ['random_mixed_medium', 4096, 32768],
    ['random_mixed_mixed', 16, 32768],
  ] as const) {
    it(`${name}: every call matches the model (20k iterations), everything freed`, () => {
      const rec = recorder();
      WORKLOADS[name]!.run(rec.alloc, 20_000);
      expect(rec.ops).toEqual(model(20_000, (r) => BigInt(lo) + (r % BigInt(hi - lo + 1))));
      expect(rec.live.size).toBe(0);
      const sizes = rec.ops.filter((o) => o[0] === 'malloc').map((o) => o[2] as number);
      expect(Math.min(...sizes)).toBeGreaterThanOrEqual(lo);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(hi);
      expect(WORKLOADS[name]!.params).toMatchObject({ min: lo, max: hi, ws: 400 });
    });
  }
});

describe('dist_app', () => {
  const distSize = (_r: bigint, next: () => bigint): bigint => {
    const b = next() % 100n;
    const u = next();
    if (b < 80n) return 16n + (u % 241n);
    if (b < 95n) return 257n + (u % 1792n);
    return 2049n + (u % 30720n);
  };

  it('first sizes (computed in Python)', () => {
    const rec = recorder();
    distApp(rec.alloc, 8);
    expect(rec.ops.slice(0, 8).map((o) => (o[0] === 'malloc' ? o[2] : -1))).toEqual([251, 32, 219, 205, 76, 73, 1964, 176]);
  });

  it('every call matches the model (50k iterations); the class mix is 80/15/5', () => {
    const rec = recorder();
    WORKLOADS.dist_app!.run(rec.alloc, 50_000);
    expect(rec.ops).toEqual(model(50_000, distSize));
    expect(rec.live.size).toBe(0);
    const sizes = rec.ops.filter((o) => o[0] === 'malloc').map((o) => o[2] as number);
    const frac = (lo: number, hi: number): number => sizes.filter((s) => s >= lo && s <= hi).length / sizes.length;
    expect(frac(16, 256)).toBeCloseTo(0.8, 1);
    expect(frac(257, 2048)).toBeCloseTo(0.15, 1);
    expect(frac(2049, 32768)).toBeCloseTo(0.05, 1);
  });
});

describe('out of memory', () => {
  it('checked() turns a malloc returning 0 into a clear error', () => {
    const alloc: BenchAllocator = { malloc: checked(() => 0), free: () => {} };
    expect(() => randomMixed(alloc, 10, 16, 2048)).toThrow(/returned 0 \(out of memory\)/);
  });
});
