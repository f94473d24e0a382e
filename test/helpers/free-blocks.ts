/**
 * Free blocks in unit tests of central pools, inboxes and remote rings. Their
 * first words are list links (word 0 the next block; on a central chain's head
 * also words 1 and 2), so a test marks the words after those with a pattern
 * tied to the block's address and a seed (its bin, say) and checks it wherever
 * the block turns up: a block that was written by someone else, or moved to the
 * wrong list, fails the check. No vitest import: worker scripts use it too.
 */
import type { Arena } from '../../src/heap/arena.ts';
import { PAGE_SHIFT, TAG_BIN_MASK } from '../../src/heap/layout.ts';
import { binSize } from '../../src/heap/size-classes.ts';

export const patternWord = (p: number, i: number, seed: number): number =>
  (Math.imul(p ^ Math.imul(seed + 1, 0x9e3779b1), 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35)) >>> 0;

/** Write the pattern into words [from, to) of block `p`. */
export function stamp(u32: Uint32Array, p: number, from: number, to: number, seed: number): void {
  for (let i = from; i < to; i++) u32[(p >>> 2) + i] = patternWord(p, i, seed);
}

/** Throw, naming `who`, unless words [from, to) of block `p` hold the pattern. */
export function checkStamp(u32: Uint32Array, p: number, from: number, to: number, seed: number, who: string): void {
  for (let i = from; i < to; i++) {
    const got = u32[(p >>> 2) + i];
    if (got !== patternWord(p, i, seed)) throw new Error(`${who}: block ${p} word ${i} is ${got}, not the pattern of seed ${seed}`);
  }
}

/** The blocks of a 0-terminated list linked through word 0 from `head`; throws after `limit` blocks (a cycle). */
export function listBlocks(u32: Uint32Array, head: number, limit = 1 << 20): number[] {
  const out: number[] = [];
  for (let p = head; p !== 0; p = u32[p >>> 2]) {
    if (out.length === limit) throw new Error(`the list from ${head} has more than ${limit} blocks (a cycle?)`);
    out.push(p);
  }
  return out;
}

/** Link `blocks` through word 0 in order, 0-terminated; returns the head (0 for none). */
export function linkBlocks(u32: Uint32Array, blocks: readonly number[]): number {
  for (let i = 0; i < blocks.length; i++) u32[blocks[i]! >>> 2] = i + 1 < blocks.length ? blocks[i + 1]! : 0;
  return blocks.length === 0 ? 0 : blocks[0]!;
}

/** Words of block `p` (a heap offset in `a`) by its page's bin: what a test may pattern. */
export const blockWords = (a: Arena, p: number): number => binSize(a.ptag[p >>> PAGE_SHIFT]! & TAG_BIN_MASK) >>> 2;
