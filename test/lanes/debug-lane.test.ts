/**
 * The debug lane (HZ3_ASSERT): invariant assertions in the slow paths
 * (src/heap/assert.ts). They catch a broken free list where it is handed on,
 * they are absent from every other bundle, and the model, misuse and
 * concurrency tests pass with them on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLane, ROOT } from '../../scripts/lane-build.mjs';
import { LANES } from '../../src/config/flags.ts';
import { laneBundle } from '../helpers/lanes.ts';
import { misuseSuite } from '../helpers/misuse.ts';
import { runModel } from '../helpers/model.ts';
import { runWorker, workerScript } from '../helpers/workers.ts';
import { checkBlock } from '../workers/blocks.ts';

type Lib = typeof import('../../src/index.ts');
const { lib } = (await laneBundle('debug')) as { lib: Lib };
const ASSERT_CODE = ['HZ3_ASSERT', 'assertFreeList', 'assertRemoteBlocks', 'assertPages', 'invariantBroken'];

describe('debug lane', () => {
  it('carries the assertions, and no other lane does', async () => {
    const out = { outRoot: join(ROOT, 'dist', 'test-bundle') };
    const debug = readFileSync((await buildLane('debug', {}, undefined, out)).entry, 'utf8');
    for (const name of ASSERT_CODE) expect(debug.includes(name), name).toBe(true);
    for (const lane of Object.keys(LANES).filter((l) => l !== 'debug')) {
      const src = readFileSync((await buildLane(lane, {}, undefined, out)).entry, 'utf8');
      for (const name of ASSERT_CODE) expect(src.includes(name), `${lane}: ${name}`).toBe(false);
    }
  });

  it('throws EINVARIANT where a free list written through a freed pointer is handed on; the scale lane does not see it', async () => {
    const scale = (await laneBundle('scale')).lib as Lib;
    const corrupt = (l: Lib): (() => void) => {
      const h = l.createHeap({ maxBytes: 32 << 20, maxThreads: 2 });
      const ps = Array.from({ length: 40 }, () => h.malloc(48));
      const more = Array.from({ length: 3000 }, () => h.malloc(48));
      for (const p of ps) h.free(p);
      h.u32[ps[20]! >>> 2] = ps[20]! + 8; // use after free: a wild "next" in a cached block
      // Frees of the bin go over its cap: the drain keeps the newest blocks and hands the older ones, the wild one among them, to central.
      return () => {
        for (const p of more) h.free(p);
      };
    };
    expect(corrupt(lib)).toThrow(/^EINVARIANT: HZ3_ASSERT (refill|drain \(kept\)|centralPush|centralPop): .*(not a block of the data segments|in a page tagged|has \d+ blocks|more than)/);
    // Without the lane's checks the same corruption goes on unseen for now (it would hand out a bad block later).
    let seen = '';
    try {
      corrupt(scale)();
    } catch (e) {
      seen = String(e);
    }
    expect(seen).not.toMatch(/EINVARIANT/);
  });

  it('runs the model test with every assertion on', () => {
    let total = 0;
    for (const seed of [0xdeb06, 0x5eed]) total += runModel(lib, seed, 100_000).ops;
    expect(total).toBe(200_000);
  });

  it('runs the multi-worker stress (remote frees, blocks checked by whoever frees them) with every assertion on', async () => {
    const script = await workerScript('stress-worker', 'debug');
    const h = lib.createHeap({ maxBytes: 256 << 20 });
    const transfer = new SharedArrayBuffer(1000 * 4);
    const control = new SharedArrayBuffer(64 * 4);
    const ids = [0, 1, 2];
    const runs = ids.map((id) => runWorker<{ slot: number }>(script, { handle: h.handle, transfer, control, id, ops: 40_000, mode: 'normal' }));
    await Promise.all(runs.map((r) => r.done));
    const slots = new Uint32Array(transfer);
    let left = 0;
    for (let i = 0; i < slots.length; i++) {
      if (slots[i] === 0) continue;
      checkBlock(h, slots[i]!, 'main');
      h.free(slots[i]!);
      left++;
    }
    const ctl = new Int32Array(control);
    expect(ids.reduce((s, id) => s + ctl[1 + 4 * id]!, 0)).toBe(ids.reduce((s, id) => s + ctl[2 + 4 * id]!, 0) + left);
    expect(h.stats().bytesInUse).toBe(0);
    expect(h.check().problems).toEqual([]);
    h.trim(); // page returns with their assertions
    await Promise.all(runs.map((r) => r.worker.terminate()));
  });
});

misuseSuite(lib, { name: 'debug', mediumInterior: 'EDOUBLE_FREE' });
