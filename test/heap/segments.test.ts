import { describe, expect, it } from 'vitest';
import { Arena } from '../../src/heap/arena.ts';
import {
  H_FRESH_SEGMENT, H_SEGMENTS_OPEN, PAGES_PER_SEGMENT, SEG_FREE, SEG_FREE_PAGES, SEG_LARGEST_RUN, SEG_OPEN, SEG_SPAN,
  SEG_STATE, SEGMENT_SIZE, makeTag, tagBin, tagOwner, LARGE_BIN,
} from '../../src/heap/layout.ts';
import { allocRun, allocSpan, freeRun, segEntry } from '../../src/heap/segments.ts';

function arena(segments = 32): Arena {
  const bytes = segments * SEGMENT_SIZE;
  const a = new Arena(new SharedArrayBuffer(bytes), 0, bytes, 4);
  a.u32[H_FRESH_SEGMENT] = a.layout.firstDataSegment;
  return a;
}

describe('page tags', () => {
  it('pack bin and owner into one word, 0 meaning no allocation', () => {
    for (const [bin, owner] of [[0, 1], [135, 64], [LARGE_BIN, 0], [7, 255]]) {
      const tag = makeTag(bin, owner);
      expect(tag).not.toBe(0);
      expect(tagBin(tag)).toBe(bin);
      expect(tagOwner(tag)).toBe(owner);
    }
  });
});

describe('segments', () => {
  it('lays out metadata before the first data segment', () => {
    const a = arena();
    const L = a.layout;
    expect(L.metaBytes % SEGMENT_SIZE).toBe(0);
    // One inbox list word (8 bytes) per owner slot, the last region of the metadata.
    expect(L.inboxOffset + L.maxThreads * 8).toBeLessThanOrEqual(L.metaBytes);
    expect(L.ptagOffset).toBeGreaterThan(L.slotsOffset);
  });

  it('carves runs from the current segment and keeps its bitmap and free count', () => {
    const a = arena();
    const slotWord = a.slotWord(0);
    const first = allocRun(a, slotWord, 1, 1, 1);
    expect(first).toBe(a.layout.firstDataSegment * PAGES_PER_SEGMENT);
    const second = allocRun(a, slotWord, 1, 8, 1);
    expect(second).toBe(first + 1);
    const e = segEntry(a, a.layout.firstDataSegment);
    expect(a.u32[e + SEG_STATE]).toBe(SEG_OPEN);
    expect(a.u32[e + SEG_FREE_PAGES]).toBe(256 - 9);
    expect(a.u32[e + SEG_LARGEST_RUN]).toBe(256 - 9);
    expect(a.u32[H_SEGMENTS_OPEN]).toBe(1);
  });

  it('aligns runs and reuses freed holes (S49 pack) before opening a segment', () => {
    const a = arena();
    const w = a.slotWord(0);
    const runs: number[] = [];
    for (let i = 0; i < 32; i++) runs.push(allocRun(a, w, 1, 8, 1)); // fills one segment exactly
    const seg0 = a.layout.firstDataSegment;
    expect(a.u32[segEntry(a, seg0) + SEG_FREE_PAGES]).toBe(0);
    const next = allocRun(a, w, 1, 4, 4); // opens the next segment
    expect(Math.floor(next / 256)).toBe(seg0 + 1);
    freeRun(a, runs[5], 8); // a hole of 8 pages in segment 0
    const w2 = a.slotWord(1); // another thread: its current segment is none, so pack finds the hole
    expect(allocRun(a, w2, 2, 8, 8)).toBe(runs[5]);
    const aligned = allocRun(a, w, 1, 2, 16);
    expect(aligned % 16).toBe(0);
  });

  it('returns a fully free segment to the free set and reuses it for a span', () => {
    const a = arena();
    const w = a.slotWord(0);
    const seg0 = a.layout.firstDataSegment;
    const p = allocRun(a, w, 1, 256, 1);
    freeRun(a, p, 256);
    expect(a.u32[segEntry(a, seg0) + SEG_STATE]).toBe(SEG_FREE);
    expect(a.u32[H_SEGMENTS_OPEN]).toBe(0);
    const span = allocSpan(a, 3);
    expect(span).toBe(seg0 * 256);
    for (let s = seg0; s < seg0 + 3; s++) expect(a.u32[segEntry(a, s) + SEG_STATE]).toBe(SEG_SPAN);
    freeRun(a, span, 700);
    for (let s = seg0; s < seg0 + 3; s++) expect(a.u32[segEntry(a, s) + SEG_STATE]).toBe(SEG_FREE);
  });

  it('reports exhaustion with -1', () => {
    const a = arena(16);
    const w = a.slotWord(0);
    const dataSegments = a.layout.segments - a.layout.firstDataSegment;
    expect(allocSpan(a, dataSegments + 1)).toBe(-1);
    for (let i = 0; i < dataSegments; i++) expect(allocRun(a, w, 1, 256, 1)).toBeGreaterThan(0);
    expect(allocRun(a, w, 1, 1, 1)).toBe(-1);
  });
});

describe('page bitsets', () => {
  it('set and clear ranges across word boundaries and count what changed', () => {
    const a = arena();
    const base = a.residentWord;
    expect(a.pageBits(base, 5, 100, true)).toBe(100);
    expect(a.pageBits(base, 0, 10, true)).toBe(5); // 0..4 new, 5..9 already set
    for (let p = 0; p < 110; p++) expect(a.pageBit(base, p)).toBe(p < 105);
    expect(a.pageBits(base, 31, 34, false)).toBe(34);
    for (let p = 0; p < 110; p++) expect(a.pageBit(base, p)).toBe(p < 105 && (p < 31 || p >= 65));
    expect(a.pageBits(base, 64, 32, true)).toBe(1); // only page 64 was clear in 64..95
  });
});
