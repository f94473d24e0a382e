import { describe, expect, it } from 'vitest';
import {
  NUM_BINS, NUM_SMALL_BINS, FIRST_MEDIUM_BIN, MAX_MEDIUM_SIZE, binOfGranules, binOfSize, binSize, binCap, binRefill,
  binRunPages, binObjectsPerRun,
} from '../../src/heap/size-classes.ts';

describe('size classes', () => {
  it('maps every size 0..32768 to the smallest class that holds it', () => {
    for (let size = 0; size <= MAX_MEDIUM_SIZE; size++) {
      const bin = binOfSize(size);
      expect(binOfGranules[(size + 15) >>> 4]).toBe(bin);
      expect(binSize(bin)).toBeGreaterThanOrEqual(size);
      if (bin > 0 && bin !== FIRST_MEDIUM_BIN) expect(binSize(bin - 1)).toBeLessThan(size);
    }
  });

  it('has 128 small classes in 16-byte steps and 8 medium classes of 1..8 pages', () => {
    expect(NUM_BINS).toBe(136);
    for (let b = 0; b < NUM_SMALL_BINS; b++) {
      expect(binSize(b)).toBe((b + 1) * 16);
      expect(binRunPages(b)).toBe(1);
      expect(binObjectsPerRun(b)).toBe(Math.floor(4096 / ((b + 1) * 16)));
    }
    for (let m = 0; m < 8; m++) {
      expect(binSize(FIRST_MEDIUM_BIN + m)).toBe((m + 1) * 4096);
      expect(binRunPages(FIRST_MEDIUM_BIN + m)).toBe(m + 1);
      expect(binObjectsPerRun(FIRST_MEDIUM_BIN + m)).toBe(1);
    }
  });

  it('rounds 2049..4095 up to the 4 KiB class', () => {
    expect(binOfSize(2048)).toBe(NUM_SMALL_BINS - 1);
    expect(binOfSize(2049)).toBe(FIRST_MEDIUM_BIN);
    expect(binOfSize(4096)).toBe(FIRST_MEDIUM_BIN);
    expect(binOfSize(4097)).toBe(FIRST_MEDIUM_BIN + 1);
  });

  it("keeps caps between 4 and 256 blocks (16 and 64 for medium bins) and refills half a cap", () => {
    for (let b = 0; b < NUM_BINS; b++) {
      expect(binCap[b]).toBeGreaterThanOrEqual(b < NUM_SMALL_BINS ? 4 : 16);
      expect(binCap[b]).toBeLessThanOrEqual(b < NUM_SMALL_BINS ? 256 : 64);
      expect(binCap[b] * binSize(b)).toBeLessThanOrEqual(b < NUM_SMALL_BINS ? 64 * 1024 : 512 * 1024);
      expect(binRefill(b)).toBe(binCap[b] >>> 1);
    }
  });
});
