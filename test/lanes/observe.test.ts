/**
 * Lanes and one-shot observation: the S56 and S49 observers against
 * hand-computed counts, exact line formats, one print per process with several
 * workers, lane mismatch refused, and the default bundle free of every box.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { attachHeap, HeapError } from '../../src/index.ts';
import { laneBundle } from '../helpers/lanes.ts';
import { workerScript } from '../helpers/workers.ts';
import { buildLane, ROOT } from '../../scripts/lane-build.mjs';

describe('S56 medium waste observe', () => {
  it('counts requested and class bytes of medium requests only, per class', async () => {
    const { lib } = await laneBundle('research');
    const h = lib.createHeap({ maxBytes: 64 << 20 });
    // Hand-computed: 2049 -> sc 0 (4096, waste 2047); 4097 -> sc 1 (8192, waste 4095);
    // 32768 -> sc 7 (no waste); 12000 -> sc 2 (12288, waste 288); small and large requests are not counted.
    for (const size of [2049, 4097, 4097, 32768, 12000, 100, 2048, 40000]) h.free(h.malloc(size));
    const req = 2049 + 4097 * 2 + 32768 + 12000;
    const alloc = 4096 + 8192 * 2 + 32768 + 12288;
    const lines = h.report().lines;
    const waste = alloc - req;
    expect(lines).toContain(`[HZ3_MEDIUM_WASTE_OBS] req=${req} alloc=${alloc} waste=${waste} waste_pct=${((100 * waste) / alloc).toFixed(2)}`);
    expect(lines).toContain('[HZ3_MEDIUM_WASTE_SC] sc=0 req=2049 alloc=4096 waste=2047');
    expect(lines).toContain('[HZ3_MEDIUM_WASTE_SC] sc=1 req=8194 alloc=16384 waste=8190');
    expect(lines).toContain('[HZ3_MEDIUM_WASTE_SC] sc=2 req=12000 alloc=12288 waste=288');
    expect(lines).toContain('[HZ3_MEDIUM_WASTE_SC] sc=3 req=0 alloc=0 waste=0');
    expect(lines).toContain('[HZ3_MEDIUM_WASTE_SC] sc=7 req=32768 alloc=32768 waste=0');
    expect(lines.filter((l) => l.startsWith('[HZ3_MEDIUM_WASTE_SC]'))).toHaveLength(8);
  });
});

describe('S49 pack observe', () => {
  it('counts hit, miss and new_segment', async () => {
    const { lib } = await laneBundle('research');
    const h = lib.createHeap({ maxBytes: 64 << 20 });
    h.malloc(100); // no current segment, no partly free one: miss, new_segment
    const other = lib.attachHeap(h.handle); // a second slot in this thread, no current segment
    other.malloc(100); // the first segment is partly free and fits: hit
    expect(h.report().lines).toContain('[HZ3_S49_PACK] hit=1 miss=1 new_segment=1 hit_pct=50.00');
  });
});

describe('one-shot print at exit', () => {
  it('prints each enabled box once per process, with the workers\' counts summed in', async () => {
    const { file } = await laneBundle('research');
    const worker = await workerScript('medium-worker', 'research');
    const script = `
      const { createHeap } = await import(${JSON.stringify(file)});
      const { Worker } = await import('node:worker_threads');
      const h = createHeap({ maxBytes: 64 << 20 });
      h.free(h.malloc(4097));
      await Promise.all([0, 1, 2].map(() => new Promise((res, rej) => {
        const w = new Worker(${JSON.stringify(worker)}, { workerData: { handle: h.handle, rounds: 10 }, execArgv: [] });
        w.on('message', () => w.terminate().then(res)); w.on('error', rej);
      })));
    `;
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    const lines = out.stderr.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('[HZ3_MEDIUM_WASTE_OBS]'))).toEqual([
      `[HZ3_MEDIUM_WASTE_OBS] req=${31 * 4097} alloc=${31 * 8192} waste=${31 * 4095} waste_pct=49.99`,
    ]);
    expect(lines.filter((l) => l.startsWith('[HZ3_S49_PACK]'))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('[HZ3_MEDIUM_WASTE_SC]'))).toHaveLength(8);
  });

  it('prints nothing for a heap destroyed before exit (its bytes are the caller\'s again)', async () => {
    const { file } = await laneBundle('mem');
    const script = `
      const { createHeap } = await import(${JSON.stringify(file)});
      const buf = new SharedArrayBuffer(8 << 20);
      const a = createHeap({ buffer: buf, byteOffset: 0, byteLength: 4 << 20, maxThreads: 2 });
      for (let i = 0; i < 3000; i++) a.free(a.malloc(100));
      a.maintain();
      a.destroy();
      new Uint8Array(buf).fill(0xff, 0, 4 << 20); // the caller writes its bytes
      const b = createHeap({ buffer: buf, byteOffset: 4 << 20, byteLength: 4 << 20, maxThreads: 2 });
      b.maintain();
    `;
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    // One line, the live heap's (it printed NaN counters read from the overwritten bytes too).
    expect(out.stderr.trim().split('\n').filter((l) => l.startsWith('[HZ3_DECAY_PURGE]'))).toEqual([expect.stringMatching(/^\[HZ3_DECAY_PURGE\] purges=\d+ /)]);
  });

  it('prints nothing in the default lane', () => {
    const script = `const { createHeap } = await import(${JSON.stringify(join(ROOT, 'dist/lanes/scale/index.js'))}); const h = createHeap({ maxBytes: 64 << 20 }); h.free(h.malloc(5000));`;
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    expect(out.stderr).toBe('');
  });
});

describe('lanes', () => {
  it('refuses to attach a heap built by another lane, naming both', async () => {
    const { lib } = await laneBundle('research');
    const h = lib.createHeap({ maxBytes: 64 << 20 });
    let err: unknown;
    try {
      attachHeap(h.handle); // this test file runs the default lane (scale)
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HeapError);
    expect((err as HeapError).code).toBe('ELANE');
    expect((err as HeapError).message).toMatch(/lane "research".*lane "scale"/);
  });

  it('tells custom lanes apart by their flags', async () => {
    const a = await laneBundle('my-ab', { HZ3_S56_MEDIUM_WASTE_OBSERVE: 1 });
    const b = await laneBundle('my-ab2', { HZ3_S56_MEDIUM_WASTE_OBSERVE: 1, HZ3_EPOCH_REFILLS: 2048 });
    const h = a.lib.createHeap({ maxBytes: 64 << 20 });
    expect(() => b.lib.attachHeap(h.handle)).toThrow(/ELANE/);
    expect(a.lib.attachHeap(h.handle).slot).toBe(1);
    expect(h.report().lines[0]).toMatch(/^\[HZ3_MEDIUM_WASTE_OBS\]/);
  });

  it('rejects unknown, retired and out-of-range flags with a clear error', async () => {
    await expect(buildLane('bad', { HZ3_NOPE: 1 })).rejects.toThrow(/unknown flag HZ3_NOPE; known flags: HZ3_FREE_CHECKS/);
    await expect(buildLane('bad', { HZ3_S55_3B_DELAY_EPOCHS: 0 })).rejects.toThrow(/out of range/);
    await expect(buildLane('bad', { HZ3_SAFE_ATOMIC_CHECKS: 1 }, 'fast')).rejects.toThrow(/HZ3_SAFE_ATOMIC_CHECKS=1 requires HZ3_FREE_CHECKS on/);
    await expect(buildLane('Bad Name')).rejects.toThrow(/lane name/);
  });
});

describe('the default bundle', () => {
  const boxCode = [
    'observeMediumRequest', 'HZ3_MEDIUM_WASTE_OBS', 'HZ3_MEDIUM_WASTE_SC', 'HZ3_S49_PACK', 'mediumSubrelease',
    'HZ3_S55_3_MEDIUM_SUBRELEASE', 'delayedSubrelease', 'HZ3_S55_3B_DELAY', 'exitPurge', 'HZ3_S61_THREAD_EXIT_PURGE',
    'decayPurge', 'HZ3_DECAY_PURGE', 'epochByTime', 'observeRequest', 'observeLarge', '[HZ3_RSS_BREAKDOWN]',
    // The counters' declarations: names, derived figures and the declaring function itself.
    'declareCounters', 'new_segment', 'hit_pct', 'waste_pct', 'demote_pages', 'reused_skips', 'returned_blocks', 'HZ3_RSS_BREAKDOWN_MEAN',
  ];
  const has = (file: string, name: string): boolean => readFileSync(file, 'utf8').includes(name);

  it('carries none of the disabled boxes\' or observers\' code', async () => {
    const { entry } = await buildLane('scale', {}, undefined, { outRoot: join(ROOT, 'dist', 'test-bundle') });
    for (const name of boxCode) expect(has(entry, name), name).toBe(false);
    // ... and the same names are found where the boxes are on, so the test can see them.
    const research = (await buildLane('research', {}, undefined, { outRoot: join(ROOT, 'dist', 'test-bundle') })).entry;
    for (const name of ['observeMediumRequest', 'HZ3_MEDIUM_WASTE_OBS', 'HZ3_S49_PACK', 'observeRequest', 'observeLarge', '[HZ3_RSS_BREAKDOWN]', 'new_segment', 'hit_pct', 'waste_pct', 'HZ3_RSS_BREAKDOWN_MEAN']) {
      expect(has(research, name), name).toBe(true);
    }
    const mem = (await buildLane('mem', {}, undefined, { outRoot: join(ROOT, 'dist', 'test-bundle') })).entry;
    for (const name of ['decayPurge', 'HZ3_DECAY_PURGE', 'epochByTime']) expect(has(mem, name), name).toBe(true);
    const all = (
      await buildLane('all-boxes', { HZ3_S55_3_MEDIUM_SUBRELEASE: 1, HZ3_S55_3B_DELAYED_SUBRELEASE: 1, HZ3_S61_THREAD_EXIT_PURGE: 1 }, undefined, {
        outRoot: join(ROOT, 'dist', 'test-bundle'),
      })
    ).entry;
    for (const name of ['mediumSubrelease', 'delayedSubrelease', 'exitPurge', 'HZ3_S55_3B_DELAY', 'demote_pages', 'reused_skips', 'returned_blocks']) expect(has(all, name), name).toBe(true);
  });

  it('keeps the free checks out of the fast lane', async () => {
    const fast = (await buildLane('fast', {}, undefined, { outRoot: join(ROOT, 'dist', 'test-bundle') })).entry;
    const src = readFileSync(fast, 'utf8');
    const free = src.slice(src.indexOf('function free(p)'), src.indexOf('return { malloc, free }'));
    expect(free).not.toContain('gmap');
  });

  it('carries none of S57\'s code, and S57 leaves the hot path as it is', async () => {
    const out = { outRoot: join(ROOT, 'dist', 'test-bundle') };
    const scale = readFileSync((await buildLane('scale', {}, undefined, out)).entry, 'utf8');
    const s57 = readFileSync((await buildLane('s57-bundle', { HZ3_S57_MEDIUM_FINE_CLASSES: 1 }, undefined, out)).entry, 'utf8');
    const names = ['buildS57Classes', 's57MediumIndex', 'markMediumRuns', 'runStartOf', 'clearMediumRun', 'mediumPointerError', 'mediumPageProblem', 'alignedMediumSize'];
    for (const name of names) {
      expect(scale.includes(name), name).toBe(false);
      expect(s57.includes(name), name).toBe(true);
    }
    // size -> bin stays one table load, free one page-tag load: the two closures are the same text.
    const hot = (src: string): string => src.slice(src.indexOf('function createHotPath('), src.indexOf('return { malloc, free }'));
    expect(hot(scale).length).toBeGreaterThan(500);
    expect(hot(s57)).toBe(hot(scale));
  });
});
