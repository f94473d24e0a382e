/**
 * Model-based random test: long seeded sequences of malloc / calloc / realloc /
 * free / alignedAlloc against a model of the live blocks. Every live block is
 * filled with a pattern derived from its pointer and checked before it is
 * freed or resized; live blocks never overlap; usableSize >= requested; stats()
 * agrees with the model.
 */
import { describe, expect, it } from 'vitest';
import * as lib from '../../src/index.ts';
import { drawSizeSmallHeap, runModel } from '../helpers/model.ts';

describe('model-based random test', () => {
  it('runs 1,000,000 operations over small, medium and large blocks with content checks', () => {
    let total = 0;
    for (const seed of [0x12345678, 0xdeadbeef, 0x0badf00d, 0x600dcafe]) total += runModel(lib, seed, 250_000).ops;
    expect(total).toBe(1_000_000);
  });

  it('runs on the smallest heap, 1 MiB of data, where it is full again and again', () => {
    // 2 MiB: one metadata segment (4 threads) and one data segment.
    const h = lib.createHeap({ maxBytes: 2 << 20, maxThreads: 4 });
    expect(h.stats().dataBytes).toBe(1 << 20);
    h.detach();
    const run = runModel(lib, 0x51ab, 150_000, drawSizeSmallHeap, { maxBytes: 2 << 20, maxThreads: 4, onExhausted: 'null' });
    expect(run.ops).toBe(150_000);
    expect(run.fulls).toBeGreaterThan(0); // it really ran into the end of the heap, and went on
  });
});
