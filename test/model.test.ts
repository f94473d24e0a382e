/**
 * Model-based random test: long seeded sequences of malloc / calloc / realloc /
 * free / alignedAlloc against a model of the live blocks. Every live block is
 * filled with a pattern derived from its pointer and checked before it is
 * freed or resized; live blocks never overlap; usableSize >= requested; stats()
 * agrees with the model.
 */
import { describe, expect, it } from 'vitest';
import * as lib from '../src/index.ts';
import { runModel } from './helpers/model.ts';

describe('model-based random test', () => {
  it('runs 1,000,000 operations over small, medium and large blocks with content checks', () => {
    let total = 0;
    for (const seed of [0x12345678, 0xdeadbeef, 0x0badf00d, 0x600dcafe]) total += runModel(lib, seed, 250_000).ops;
    expect(total).toBe(1_000_000);
  });
});
