/**
 * Self-describing test blocks: word 0 = stamp (nonzero), word 1 = size, then
 * words derived from the stamp. Any thread can check any block.
 */
export interface Views {
  u32: Uint32Array;
}

export const MIN_BLOCK = 8;

export function writeBlock(v: Views, p: number, size: number, stamp: number): void {
  const base = p >>> 2;
  const words = size >>> 2;
  v.u32[base] = stamp;
  v.u32[base + 1] = size;
  for (let i = 2; i < words; i++) v.u32[base + i] = (stamp ^ Math.imul(i, 0x9e3779b1)) >>> 0;
}

/** Check a block; returns its size or throws with what is wrong. */
export function checkBlock(v: Views, p: number, who: string): number {
  const base = p >>> 2;
  const stamp = v.u32[base];
  const size = v.u32[base + 1];
  if (stamp === 0 || size < MIN_BLOCK || size > 1 << 24) throw new Error(`${who}: block ${p} has a bad header (stamp ${stamp}, size ${size})`);
  const words = size >>> 2;
  for (let i = 2; i < words; i++) {
    if (v.u32[base + i] !== ((stamp ^ Math.imul(i, 0x9e3779b1)) >>> 0)) {
      throw new Error(`${who}: block ${p} (size ${size}, stamp ${stamp}) word ${i} corrupted`);
    }
  }
  return size;
}

/** xorshift32 */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

export function drawSize(r: () => number): number {
  const b = r() % 100;
  if (b < 75) return MIN_BLOCK + (r() % 249);
  if (b < 93) return 257 + (r() % 1792);
  if (b < 99) return 2049 + (r() % 30720);
  return 32769 + (r() % 200_000);
}
