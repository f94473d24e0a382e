/** Fill a heap until it says no, and free it all again, checking every block (the no-stranded-memory tests). */
import { expect } from 'vitest';
import { checkBlock, writeBlock } from '../workers/blocks.ts';

/** What the helpers need of a heap: any lane's bundle or the sources. */
interface FillHeap {
  malloc(size: number): number;
  free(ptr: number): void;
  readonly u32: Uint32Array;
  stats(): { bytesInUse: number };
  check(): { problems: string[] };
}

/** malloc(size) until the heap throws EEXHAUSTED; returns the blocks (each patterned) and the bytes requested. */
export function fill(h: FillHeap, sizes: readonly number[]): { blocks: number[]; bytes: number } {
  const blocks: number[] = [];
  let bytes = 0;
  for (let i = 0; ; i++) {
    const size = sizes[i % sizes.length]!;
    let p = 0;
    try {
      p = h.malloc(size);
    } catch (e) {
      expect((e as { code: string }).code).toBe('EEXHAUSTED');
      break;
    }
    writeBlock(h, p, size, (i + 1) >>> 0);
    blocks.push(p);
    bytes += size;
  }
  return { blocks, bytes };
}

/** Free every block after checking its pattern; the heap is then empty and sound. */
export function freeAll(h: FillHeap, blocks: readonly number[]): void {
  for (const p of blocks) {
    checkBlock(h, p, 'main');
    h.free(p);
  }
  expect(h.stats().bytesInUse).toBe(0);
  expect(h.check().problems).toEqual([]);
}
