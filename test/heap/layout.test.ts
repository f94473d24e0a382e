/**
 * The layout is a checked table: the header's and the slot's words do not
 * overlap and fit their area, every H_ / S_ word constant is in the maps, and
 * the metadata regions computeLayout lays out follow one another in order.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as L from '../../src/heap/layout.ts';
import { NUM_BINS } from '../../src/heap/size-classes.ts';

function checkMap(map: readonly L.WordRegion[], areaWords: number, what: string): void {
  const sorted = [...map].sort((a, b) => a.word - b.word);
  for (let i = 0; i < sorted.length; i++) {
    const r = sorted[i]!;
    expect(r.words, `${what} ${r.name}`).toBeGreaterThan(0);
    expect(r.word + r.words, `${what} ${r.name} ends inside the area`).toBeLessThanOrEqual(areaWords);
    const next = sorted[i + 1];
    if (next) expect(r.word + r.words, `${what} ${r.name} [${r.word}, ${r.word + r.words}) overlaps ${next.name} at ${next.word}`).toBeLessThanOrEqual(next.word);
  }
}

describe('the layout table', () => {
  it('header words do not overlap and fit the header page', () => checkMap(L.HEADER_MAP, L.PAGE_SIZE / 4, 'header'));
  it('slot words do not overlap and fit the slot', () => checkMap(L.SLOT_MAP, L.SLOT_BYTES / 4, 'slot'));

  it('lists every H_ and S_ word constant of layout.ts', () => {
    const src = readFileSync(join(__dirname, '..', '..', 'src', 'heap', 'layout.ts'), 'utf8');
    const declared = [...src.matchAll(/^export const ([HS]_[A-Z0-9_]+) = /gm)].map((m) => m[1]!);
    const notWords = new Set(['H_LANE_NAME_MAX', 'S_COUNTERS_MAX']); // lengths, not places
    const mapped = new Set([...L.HEADER_MAP, ...L.SLOT_MAP].map((r) => r.name));
    for (const name of declared) if (!notWords.has(name)) expect(mapped.has(name), `${name} is not in HEADER_MAP / SLOT_MAP`).toBe(true);
    for (const r of [...L.HEADER_MAP, ...L.SLOT_MAP]) {
      const value = (L as unknown as Record<string, number>)[r.name]!;
      expect(r.name === 'H_LANE_NAME_BYTE' ? value / 4 : value, r.name).toBe(r.word);
    }
  });

  it('the diagrams in layout.ts list exactly the maps\' regions, at their words', () => {
    const src = readFileSync(join(__dirname, '..', '..', 'src', 'heap', 'layout.ts'), 'utf8');
    const drawn = [...src.matchAll(/^ \*\s+(\d+)(?:\.\.(\d+))?\s+([HS]_[A-Z0-9_]+)\s/gm)].map((m) => `${m[3]} ${m[1]}..${m[2] ?? m[1]}`);
    const mapped = [...L.HEADER_MAP, ...L.SLOT_MAP].map((r) => `${r.name} ${r.word}..${r.word + r.words - 1}`);
    expect(drawn.sort()).toEqual(mapped.sort());
  });

  it('sizes the per-bin words for every lane\'s bins', () => {
    expect(NUM_BINS).toBeLessThanOrEqual(L.MAX_BINS);
    expect(L.LARGE_BIN).toBeGreaterThanOrEqual(NUM_BINS); // the page tag's bin byte keeps 0xff for large runs
  });

  it('lays the metadata regions out in order, page aligned, inside the metadata segments', () => {
    for (const [bytes, threads] of [[16 << 20, 1], [1 << 30, 64], [4 * 1024 * (1 << 20), 255]] as const) {
      const l = L.computeLayout(bytes, threads, NUM_BINS);
      const order = [
        l.slotsOffset, l.ptagOffset, l.runLenOffset, l.gmapOffset, l.segTableOffset, l.dirtyOffset, l.residentOffset, l.freedAtOffset,
        l.largeRequestedOffset, l.breakdownSamplesOffset, l.packOffset, l.centralOffset, l.inboxOffset, l.metaBytes,
      ];
      for (let i = 1; i < order.length; i++) expect(order[i]!, `region ${i} of ${bytes}/${threads}`).toBeGreaterThan(order[i - 1]!);
      for (const off of order) expect(off % L.PAGE_SIZE).toBe(0);
      expect(l.metaBytes % L.SEGMENT_SIZE).toBe(0);
      expect(l.firstDataSegment).toBeLessThan(l.segments);
    }
  });
});
