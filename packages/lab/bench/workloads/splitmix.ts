/**
 * The RNG of mimalloc's stress test (test-stress.c, `mstress`): the 64-bit
 * splitmix finaliser applied to the state, whose output is the next state:
 *
 *   x ^= x >> 30; x *= 0xbf58476d1ce4e5b9; x ^= x >> 27; x *= 0x94d049bb133111eb; x ^= x >> 31
 *
 * `pick()` replaces the state with hash(state) and returns it; `chance(p)` is
 * `pick() % 100 <= p` (so chance(50) is true 51% of the time, as in C).
 *
 * JavaScript has no fast 64-bit integers (BigInt is ~100x slower), so the state
 * is two uint32 halves and the 64x64 -> low-64 multiply is done in 16-bit pieces,
 * exact in doubles. `mod(m)` gives (hi * 2^32 + lo) % m for m < 2^26.
 */
const M1_HI = 0xbf58476d;
const M1_LO = 0x1ce4e5b9;
const M2_HI = 0x94d049bb;
const M2_LO = 0x133111eb;
const TWO32 = 4294967296;

export class SplitMix {
  hi: number;
  lo: number;

  /** Seed from a non-negative integer below 2^53. */
  constructor(seed: number) {
    this.hi = Math.floor(seed / TWO32) >>> 0;
    this.lo = seed >>> 0;
  }

  /** Replace the state by hash(state) (C's `*r = hash(*r)`). */
  step(): void {
    let hi = this.hi;
    let lo = this.lo;
    // x ^= x >> 30
    lo = (lo ^ ((lo >>> 30) | (hi << 2))) >>> 0;
    hi = (hi ^ (hi >>> 30)) >>> 0;
    // x *= M1
    let r = mulLo(hi, lo, M1_HI, M1_LO);
    hi = mulHi;
    lo = r;
    // x ^= x >> 27
    lo = (lo ^ ((lo >>> 27) | (hi << 5))) >>> 0;
    hi = (hi ^ (hi >>> 27)) >>> 0;
    // x *= M2
    r = mulLo(hi, lo, M2_HI, M2_LO);
    hi = mulHi;
    lo = r;
    // x ^= x >> 31
    lo = (lo ^ ((lo >>> 31) | (hi << 1))) >>> 0;
    hi = (hi ^ (hi >>> 31)) >>> 0;
    this.hi = hi;
    this.lo = lo;
  }

  /** The state modulo m (1 <= m < 2^26): ((hi mod m) * (2^32 mod m) + lo mod m) mod m. */
  mod(m: number): number {
    const hi = this.hi;
    const lo = this.lo;
    const t = (hi - Math.floor(hi / m) * m) * (TWO32 - Math.floor(TWO32 / m) * m) + (lo - Math.floor(lo / m) * m);
    return t - Math.floor(t / m) * m;
  }

  /** `pick(r) % m`: step, then the new state modulo m. */
  pickMod(m: number): number {
    this.step();
    return this.mod(m);
  }

  /** `chance(p)`: pick() % 100 <= p. */
  chance(p: number): boolean {
    this.step();
    return this.mod(100) <= p;
  }

  /** The state as a BigInt (tests and diagnostics only). */
  value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }
}

/** High 32 bits of the last mulLo (a module-level "second return value": no allocation). */
let mulHi = 0;

/** Low 64 bits of (ahi:alo) * (bhi:blo): returns the low word, leaves the high word in mulHi. */
function mulLo(ahi: number, alo: number, bhi: number, blo: number): number {
  const a0 = alo & 0xffff;
  const a1 = alo >>> 16;
  const b0 = blo & 0xffff;
  const b1 = blo >>> 16;
  const mid = a0 * b1 + a1 * b0; // < 2^33, exact
  const low = a0 * b0 + (mid % 65536) * 65536; // < 2^33, exact
  const carry = Math.floor(low / TWO32);
  mulHi = (a1 * b1 + Math.floor(mid / 65536) + carry + Math.imul(alo, bhi) + Math.imul(ahi, blo)) >>> 0;
  return low >>> 0;
}
