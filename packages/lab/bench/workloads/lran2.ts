/**
 * lran2: the RNG of Larson & Krishnan's server benchmark (larson.cpp) and of
 * xmalloc-test, exactly as BENCHMARKS.md gives it:
 *
 *   step:  x = (1366*x + 150889) mod 714025
 *   init:  x = |(150889 - seed) mod 714025|; fill a 97-entry table with
 *          successive steps of x; step once more; y = x
 *   draw:  j = y % 97; y = table[j]; step x; table[j] = x; return y
 *
 * Every value stays below 2^31 (1366 * 714024 + 150889 < 2^30), so `%` works on
 * small integers (V8's fast integer modulus, not the uint32 float path).
 *
 * The state is one Int32Array of 99 words: [x, y, table[0..96]], so a larson
 * worker can hand it to the next worker as it is (structured clone or SAB).
 */
export const LRAN2_MAX = 714025;
export const LRAN2_IA = 1366;
export const LRAN2_IC = 150889;
export const LRAN2_WORDS = 99;

/** A fresh state seeded as larson.cpp's lran2_init (C `%` truncates toward zero, then `|x|`). */
export function lran2Init(seed: number, state: Int32Array = new Int32Array(LRAN2_WORDS)): Int32Array {
  let x = (LRAN2_IC - seed) % LRAN2_MAX; // JS % truncates toward zero like C's
  if (x < 0) x = -x;
  for (let j = 0; j < 97; j++) {
    x = (LRAN2_IA * x + LRAN2_IC) % LRAN2_MAX;
    state[2 + j] = x;
  }
  x = (LRAN2_IA * x + LRAN2_IC) % LRAN2_MAX;
  state[0] = x;
  state[1] = x;
  return state;
}

/** One draw (advances `state`); 0 <= value < 714025. */
export function lran2(state: Int32Array): number {
  const j = state[1]! % 97;
  const y = state[2 + j]!;
  const x = (LRAN2_IA * state[0]! + LRAN2_IC) % LRAN2_MAX;
  state[0] = x;
  state[2 + j] = x;
  state[1] = y;
  return y;
}
