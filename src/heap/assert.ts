/**
 * The debug lane's invariant assertions (HZ3_ASSERT). The slow paths check what
 * they hand on: a refill the chain it puts in the cache, a drain the chain it
 * pushes and the list it keeps, central the chains pushed and popped, a remote
 * flush every block of the ring, the segments every page taken or returned.
 * A broken invariant throws EINVARIANT, naming where and what, at the first
 * operation that sees it (heap.check() finds the same after the fact).
 *
 * Every call site reads `if (HZ3_ASSERT) assert...(...)`, so no other lane
 * carries any of this file (test/lanes/debug-lane.test.ts looks in the bundles).
 * The walks are as long as the chains: the debug lane is for tests.
 */
import type { Arena } from './arena.ts';
import { PAGE_SHIFT, SEG_BITMAP, TAG_BIN_MASK, TAG_OWNER_MASK, TAG_OWNER_SHIFT } from './layout.ts';
import { HeapError } from '../base/errors.ts';

export function invariantBroken(where: string, what: string): never {
  throw new HeapError('EINVARIANT', `HZ3_ASSERT ${where}: ${what}`);
}

/**
 * A free list from `head`: exactly `n` blocks to a 0 end, each a 16-byte
 * aligned offset in the data segments, in a page tagged with `bin` (and owned
 * by `owner` when given), and not marked live.
 */
export function assertFreeList(a: Arena, head: number, n: number, bin: number, where: string, owner = -1): void {
  const { metaBytes, arenaBytes } = a.layout;
  const u32 = a.u32;
  let k = 0;
  for (let p = head; p !== 0; p = u32[p >>> 2]!, k++) {
    if (k >= n) invariantBroken(where, `the list from ${head} has more than its ${n} blocks`);
    if ((p & 15) !== 0 || p < metaBytes || p >= arenaBytes) invariantBroken(where, `block #${k} of the list from ${head} is at ${p}, not a block of the data segments`);
    const tag = a.ptag[p >>> PAGE_SHIFT]!;
    if ((tag & TAG_BIN_MASK) !== bin || tag === 0) invariantBroken(where, `block ${p} of bin ${bin} is in a page tagged ${tag} (bin ${tag & TAG_BIN_MASK})`);
    if (owner >= 0 && (tag & TAG_OWNER_MASK) >>> TAG_OWNER_SHIFT !== owner) {
      invariantBroken(where, `block ${p} is in a page of owner ${(tag & TAG_OWNER_MASK) >>> TAG_OWNER_SHIFT}, not of this thread (${owner})`);
    }
    if (HZ3_FREE_CHECKS && a.gmap[p >>> 4] !== 0) invariantBroken(where, `free block ${p} of bin ${bin} is marked live`);
  }
  if (k !== n) invariantBroken(where, `the list from ${head} has ${k} blocks, its count says ${n}`);
}

/** A block of `owner`'s inbox: in a page of that owner, not marked live. */
export function assertInboxBlock(a: Arena, p: number, owner: number, where: string): void {
  const tag = a.ptag[p >>> PAGE_SHIFT]!;
  const of = (tag & TAG_OWNER_MASK) >>> TAG_OWNER_SHIFT;
  if (of !== owner) invariantBroken(where, `block ${p} in the inbox of owner ${owner} is in a page tagged ${tag} (owner ${of})`);
  if (HZ3_FREE_CHECKS && a.gmap[p >>> 4] !== 0) invariantBroken(where, `block ${p} in the inbox of owner ${owner} is marked live`);
}

/** Blocks of other owners waiting in a remote ring: each in a tagged page of an owner that is not `me`, not marked live. */
export function assertRemoteBlocks(a: Arena, blocks: Uint32Array, n: number, me: number, where: string): void {
  for (let i = 0; i < n; i++) {
    const p = blocks[i]!;
    const tag = a.ptag[p >>> PAGE_SHIFT]!;
    const owner = (tag & TAG_OWNER_MASK) >>> TAG_OWNER_SHIFT;
    if (tag === 0 || owner === 0 || owner === me) invariantBroken(where, `ring block ${p} is in a page tagged ${tag}: not another owner's block`);
    if (HZ3_FREE_CHECKS && a.gmap[p >>> 4] !== 0) invariantBroken(where, `ring block ${p} is marked live`);
  }
}

/** Pages `first .. first + n - 1` of the segment whose entry is at `e`: all free (`free` true) or all in use, and untagged either way. */
export function assertPages(a: Arena, e: number, segFirstPage: number, first: number, n: number, free: boolean, where: string): void {
  for (let i = first; i < first + n; i++) {
    const isFree = ((a.u32[e + SEG_BITMAP + (i >>> 5)]! >>> (i & 31)) & 1) === 1;
    if (isFree !== free) invariantBroken(where, `page ${segFirstPage + i} is ${isFree ? 'free' : 'in use'} in its segment's bitmap, expected ${free ? 'free' : 'in use'}`);
    if (a.ptag[segFirstPage + i] !== 0) invariantBroken(where, `page ${segFirstPage + i} still carries the tag ${a.ptag[segFirstPage + i]}`);
  }
}
