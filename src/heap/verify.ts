/**
 * Heap integrity walk (heap.check()): follows every list of free blocks — thread
 * caches, remote rings, inboxes, central chains — and checks each block: inside
 * the data segments, 16-aligned, in a page tagged with the list's bin, not marked
 * live, seen once. Compares walked lengths with the recorded counts, and walked
 * totals with the blocks ever carved. Run it while no other thread allocates.
 */
import { Arena } from './arena.ts';
import { carvedWord, CENTRAL_SHARDS, PAGE_SHIFT, S_REMOTE_COUNT, S_REMOTE_RING, TAG_BIN_MASK, tcWord } from './layout.ts';
import { NUM_BINS, binSize } from './size-classes.ts';
import { inboxWord } from './remote.ts';
import { centralEntry } from './central.ts';

export interface HeapCheck {
  /** Everything that is wrong, one line each; empty when the heap is sound. */
  problems: string[];
  /** Free blocks found per bin. */
  freeBlocks: number[];
  /** Blocks carved per bin minus free blocks found: the live small/medium blocks. */
  liveBlocks: number[];
  /** Usable bytes of live small and medium blocks. */
  liveBytes: number;
}

export function checkHeap(a: Arena): HeapCheck {
  const u32 = a.u32;
  const problems: string[] = [];
  const seen = new Set<number>();
  const freeBlocks = new Array<number>(NUM_BINS).fill(0);
  const { metaBytes, arenaBytes } = a.layout;
  const report = (msg: string): void => {
    if (problems.length < 50) problems.push(msg);
  };

  /** Check one free block of `bin`; false stops the walk (bad pointer or a repeat). */
  const visit = (p: number, bin: number, where: string): boolean => {
    if (p < metaBytes || p >= arenaBytes || (p & 15) !== 0) {
      report(`${where}: bad pointer ${p}`);
      return false;
    }
    if (seen.has(p)) {
      report(`${where}: block ${p} is on a free list twice`);
      return false;
    }
    seen.add(p);
    const tag = a.ptag[p >>> PAGE_SHIFT];
    if ((tag & TAG_BIN_MASK) !== bin) report(`${where}: block ${p} is in a page of bin ${tag & TAG_BIN_MASK} (tag ${tag})`);
    if (HZ3_FREE_CHECKS && a.gmap[p >>> 4] !== 0) report(`${where}: free block ${p} is marked live`);
    freeBlocks[bin]++;
    return true;
  };
  const walk = (head: number, bin: number, where: string): number => {
    let n = 0;
    for (let p = head; p !== 0; p = u32[p >>> 2]) {
      if (!visit(p, bin, where)) break;
      n++;
    }
    return n;
  };

  for (let s = 0; s < a.layout.maxThreads; s++) {
    const w = a.slotWord(s);
    for (let b = 0; b < NUM_BINS; b++) {
      const h = tcWord(w, b);
      const n = walk(u32[h], b, `slot ${s} cache bin ${b}`);
      if (n !== u32[h + 1]) report(`slot ${s} cache bin ${b}: count ${u32[h + 1]}, walked ${n}`);
    }
    const ib = inboxWord(a, s);
    let inboxBytes = 0;
    for (let p = u32[ib]; p !== 0; p = u32[p >>> 2]) {
      const bin = a.ptag[p >>> PAGE_SHIFT] & TAG_BIN_MASK;
      if (!visit(p, bin, `slot ${s} inbox`)) break;
      inboxBytes += binSize(bin);
    }
    if (inboxBytes !== u32[ib + 1]) report(`slot ${s} inbox: ${u32[ib + 1]} bytes recorded, ${inboxBytes} walked`);
    const ring = u32[w + S_REMOTE_COUNT];
    for (let i = 0; i < ring; i++) {
      const p = u32[w + S_REMOTE_RING + i];
      visit(p, a.ptag[p >>> PAGE_SHIFT] & TAG_BIN_MASK, `slot ${s} remote ring`);
    }
  }
  for (let sh = 0; sh < CENTRAL_SHARDS; sh++) {
    for (let b = 0; b < NUM_BINS; b++) {
      const e = centralEntry(a, sh, b);
      let total = 0;
      for (let chain = u32[e]; chain !== 0; chain = u32[(chain >>> 2) + 1]) {
        const declared = u32[(chain >>> 2) + 2];
        const n = walk(chain, b, `central shard ${sh} bin ${b}`);
        if (n !== declared) report(`central shard ${sh} bin ${b}: chain ${chain} declares ${declared} blocks, walked ${n}`);
        total += n;
        if (n === 0) break;
      }
      if (total !== u32[e + 1]) report(`central shard ${sh} bin ${b}: count ${u32[e + 1]}, walked ${total}`);
    }
  }
  const liveBlocks = freeBlocks.map((f, b) => u32[carvedWord(b)] - f);
  let liveBytes = 0;
  liveBlocks.forEach((n, b) => {
    if (n < 0) report(`bin ${b}: ${-n} more free blocks than were ever carved`);
    liveBytes += n * binSize(b);
  });
  return { problems, freeBlocks, liveBlocks, liveBytes };
}
