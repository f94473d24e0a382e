import { describe, expect, it } from 'vitest';
import { createHeap } from '../../src/index.ts';
import { binCap, binOfSize, binRefill } from '../../src/heap/size-classes.ts';
import { tcWord } from '../../src/heap/layout.ts';
import { centralBlocks } from '../../src/heap/central.ts';

describe('thread cache bins', () => {
  it('is LIFO: a freed block is the next one malloc returns', () => {
    const h = createHeap({ maxBytes: 64 << 20 });
    const a = h.malloc(40);
    const b = h.malloc(40);
    h.free(a);
    expect(h.malloc(33)).toBe(a); // same 48-byte class
    h.free(b);
    expect(h.malloc(48)).toBe(b);
  });

  it('keeps counts in the slot and drains half to central over the cap', () => {
    const h = createHeap({ maxBytes: 64 << 20 });
    const bin = binOfSize(64);
    const cap = binCap[bin];
    const ptrs: number[] = [];
    for (let i = 0; i < cap * 3; i++) ptrs.push(h.malloc(64));
    const countWord = tcWord(h.thread.slotWord, bin) + 1;
    const before = h.u32[countWord];
    for (const p of ptrs) h.free(p);
    expect(h.u32[countWord]).toBeLessThanOrEqual(cap);
    expect(centralBlocks(h.arena, bin)).toBeGreaterThan(0);
    // Everything is accounted for: cache + central = carved.
    expect(h.u32[countWord] + centralBlocks(h.arena, bin)).toBe(before + ptrs.length);
    expect(h.stats().bytesInUse).toBe(0);
  });

  it('refills an empty bin from central before carving new pages', () => {
    const h = createHeap({ maxBytes: 64 << 20 });
    const bin = binOfSize(1024);
    const ptrs: number[] = [];
    for (let i = 0; i < 200; i++) ptrs.push(h.malloc(1024));
    for (const p of ptrs) h.free(p);
    const resident = h.stats().residentBytes;
    const central = centralBlocks(h.arena, bin);
    expect(central).toBeGreaterThan(0);
    const again: number[] = [];
    for (let i = 0; i < 200; i++) again.push(h.malloc(1020));
    expect(h.stats().residentBytes).toBe(resident); // no new pages: all came back from cache and central
    expect(new Set(again).size).toBe(200);
    expect(binRefill(bin)).toBeGreaterThan(0);
  });

  it('gives every block 16-byte alignment and distinct addresses', () => {
    const h = createHeap({ maxBytes: 64 << 20 });
    const seen = new Set<number>();
    for (let s = 0; s <= 40000; s += 131) {
      const p = h.malloc(s);
      expect(p % 16).toBe(0);
      expect(seen.has(p)).toBe(false);
      seen.add(p);
      expect(h.usableSize(p)).toBeGreaterThanOrEqual(s);
    }
  });
});
