/**
 * Giving memory back: trim through the OS boundary, the allocator's own
 * resident and known-zero books, and data safety around releases.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createHeap } from '../../src/index.ts';
import { releaseMode } from '../../src/platform/release.ts';
import { laneBundle } from '../helpers/lanes.ts';

const rssBytes = (): number => Number(readFileSync('/proc/self/statm', 'utf8').split(' ')[1]) * 4096;
const addon = releaseMode === 'madvise';

describe('trim and the release boundary', () => {
  it.skipIf(!addon)('trim returns freed memory to the OS: process RSS and residentBytes drop (madvise mode)', () => {
    const h = createHeap({ maxBytes: 1 << 30 });
    const blocks: number[] = [];
    for (let i = 0; i < 4000; i++) {
      const p = h.malloc(16384 + (i % 7) * 1000); // medium
      h.u8.fill(1, p, p + 16384);
      blocks.push(p);
    }
    for (let i = 0; i < 200; i++) {
      const p = h.malloc(200_000); // large
      h.u8.fill(2, p, p + 200_000);
      blocks.push(p);
    }
    const before = rssBytes();
    const residentBefore = h.stats().residentBytes;
    for (const p of blocks) h.free(p);
    const r = h.trim();
    const after = rssBytes();
    expect(r.releasedBytes).toBeGreaterThan(80 << 20);
    expect(before - after).toBeGreaterThan(60 << 20);
    expect(h.stats().residentBytes).toBeLessThan(residentBefore / 4);
    expect(h.check().problems).toEqual([]);
  });

  it('never touches blocks that stay allocated, and reused pages behave (calloc reads zeros)', () => {
    const h = createHeap({ maxBytes: 256 << 20 });
    const keep: Array<[number, number, number]> = [];
    const drop: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const size = [24, 700, 3000, 9000, 40000][i % 5];
      const p = h.malloc(size);
      const v = (i * 31) & 255;
      h.u8.fill(v, p, p + size);
      if (i % 3 === 0) keep.push([p, size, v]);
      else drop.push(p);
    }
    for (const p of drop) h.free(p);
    h.trim();
    for (const [p, size, v] of keep) {
      for (let j = 0; j < size; j++) if (h.u8[p + j] !== v) throw new Error(`kept block ${p} byte ${j} changed by trim`);
    }
    // Allocate again over released pages: calloc must give zeros, malloc usable memory.
    for (let i = 0; i < 500; i++) {
      const size = [64, 5000, 70000][i % 3];
      const p = h.calloc(1, size);
      for (let j = 0; j < size; j++) if (h.u8[p + j] !== 0) throw new Error(`calloc ${p} byte ${j} not zero`);
      h.u8.fill(9, p, p + size);
    }
    expect(h.check().problems).toEqual([]);
  });

  it('calloc skips pages known to be zero and zeroes the rest', () => {
    const h = createHeap({ maxBytes: 64 << 20 });
    const p = h.malloc(100_000);
    h.u8.fill(7, p, p + 100_000);
    h.free(p);
    const q = h.calloc(1, 100_000); // reuses dirty pages: must be zeroed
    for (let j = 0; j < 100_000; j += 13) expect(h.u8[q + j]).toBe(0);
    h.free(q);
    h.trim();
    const r = h.calloc(1, 100_000);
    for (let j = 0; j < 100_000; j += 13) expect(h.u8[r + j]).toBe(0);
  });

  it('falls back to record-only without the addon: books the release, keeps data, stats says so', () => {
    const script = `
      const { createHeap } = await import(${JSON.stringify(join(process.cwd(), 'dist/lanes/scale/index.js'))});
      const h = createHeap({ maxBytes: 64 << 20 });
      const keep = h.malloc(5000); h.u8.fill(5, keep, keep + 5000);
      const ps = []; for (let i = 0; i < 100; i++) { const p = h.malloc(20000); h.u8.fill(3, p, p + 20000); ps.push(p); }
      for (const p of ps) h.free(p);
      const before = h.stats().residentBytes;
      const r = h.trim();
      let intact = true; for (let j = 0; j < 5000; j++) if (h.u8[keep + j] !== 5) intact = false;
      const z = h.calloc(1, 20000); let zero = true; for (let j = 0; j < 20000; j++) if (h.u8[z + j] !== 0) zero = false;
      console.log(JSON.stringify({ mode: h.stats().releaseMode, reason: h.stats().releaseModeReason, r, before, after: h.stats().residentBytes, intact, zero }));
    `;
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, HAKOZUNA_NO_ADDON: '1' }, encoding: 'utf8' });
    expect(out.stderr).toBe('');
    const res = JSON.parse(out.stdout);
    expect(res.mode).toBe('record-only');
    expect(res.reason).toMatch(/HAKOZUNA_NO_ADDON/);
    expect(res.r.releasedBytes).toBe(0);
    expect(res.r.releasedPages).toBeGreaterThan(0);
    expect(res.after).toBeLessThan(res.before);
    expect(res.intact).toBe(true);
    expect(res.zero).toBe(true);
  });
});

describe('S55-3 medium subrelease (lab lane s55-3)', () => {
  it('releases medium runs from central at the epoch, within the budget, and prints its line', async () => {
    const { lib } = await laneBundle('s55-3', { HZ3_S55_3_MEDIUM_SUBRELEASE: 1 });
    const h = lib.createHeap({ maxBytes: 256 << 20 });
    const ps: number[] = [];
    for (let i = 0; i < 400; i++) ps.push(h.malloc(8192));
    for (const p of ps) h.free(p); // over the cap (32): most go to central
    const residentBefore = h.stats().residentBytes;
    h.maintain();
    const line = h.report().boxes.find((b) => b.line === 'HZ3_S55_3_MEDIUM_SUBRELEASE')!;
    expect(line.values.calls).toBe(1);
    expect(line.values.demote_pages).toBeGreaterThan(0);
    expect(line.values.demote_pages).toBeLessThanOrEqual(256); // HZ3_S55_3_PAGE_BUDGET
    expect(line.values.madvise_calls).toBeLessThanOrEqual(32); // HZ3_S55_3_CALL_CAP
    expect(line.values.madvise_pages).toBe(line.values.demote_pages);
    expect(h.stats().residentBytes).toBe(residentBefore - line.values.madvise_pages * 4096);
    expect(h.report().lines[0]).toMatch(
      /^\[HZ3_S55_3_MEDIUM_SUBRELEASE\] calls=1 demote_pages=\d+ madvise_calls=\d+ madvise_pages=\d+ madvise_bytes=\d+$/,
    );
    expect(h.check().problems).toEqual([]);
  });
});

describe('decay purge (mem lane)', () => {
  it('releases pages freed more than HZ3_DECAY_MS ago at the epoch, and prints its line', async () => {
    const { lib } = await laneBundle('mem');
    const h = lib.createHeap({ maxBytes: 64 << 20 });
    const ps: number[] = [];
    for (let i = 0; i < 400; i++) ps.push(h.malloc(8192));
    const large = h.malloc(1 << 20);
    for (const p of ps) h.free(p);
    h.free(large);
    h.maintain(); // central's free runs go back to their segments, stamped now; nothing is old enough yet
    const first = h.report().boxes.find((b) => b.line === 'HZ3_DECAY_PURGE')!;
    expect(first.values.purges).toBe(1);
    expect(first.values.returned_pages).toBeGreaterThan(0);
    expect(first.values.madvise_pages).toBe(0);
    const residentBefore = h.stats().residentBytes;
    await new Promise((r) => setTimeout(r, 150)); // past HZ3_DECAY_MS (100)
    h.maintain();
    const second = h.report().boxes.find((b) => b.line === 'HZ3_DECAY_PURGE')!;
    // More is due than one purge may release (HZ3_S55_3_PAGE_BUDGET = 256 pages); the heartbeat may have run a purge too.
    expect(second.values.madvise_pages).toBeGreaterThanOrEqual(256);
    expect(second.values.madvise_pages).toBeLessThanOrEqual(256 * (second.values.purges - 1));
    expect(second.values.capped).toBeGreaterThanOrEqual(1);
    expect(h.stats().residentBytes).toBeLessThan(residentBefore);
    expect(h.report().lines.find((l) => l.startsWith('[HZ3_DECAY_PURGE]'))).toMatch(
      /^\[HZ3_DECAY_PURGE\] purges=\d+ returned_pages=\d+ madvise_calls=\d+ madvise_pages=\d+ madvise_bytes=\d+ capped=\d+$/,
    );
    expect(h.check().problems).toEqual([]);
  });
});
