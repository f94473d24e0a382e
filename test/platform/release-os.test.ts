// The OS release boundary (src/platform/release.ts + native/): pages go back to the OS,
// read back as zero, neighbours are untouched, it works across worker_threads, bad
// arguments throw, and without the addon it degrades to record-only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import {
  addonPath, arenaPageOffset, osPageSize, osRelease, releaseMode, releaseModeReason,
} from '../../src/platform/release.ts';

const MiB = 1 << 20;
const hasAddon = releaseMode === 'madvise';
const hasStatm = process.platform === 'linux';
const skipNote = hasAddon ? '' : ` [SKIPPED: release addon unavailable (${releaseModeReason}); run \`node scripts/build-native.mjs\`]`;
if (!hasAddon) console.warn(`[release-os.test] addon tests skipped: ${releaseModeReason}`);

/** Resident set size of this process in bytes (second field of /proc/self/statm). */
function rss(): number {
  return Number(readFileSync('/proc/self/statm', 'utf8').split(' ')[1]) * osPageSize;
}

// lib ES2022 does not type the growable SharedArrayBuffer constructor (ES2024).
const GrowableSAB = SharedArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => SharedArrayBuffer;

/** An arena as createHeap makes one: a growable SAB with initial == max (page-aligned, docs/RELEASE.md). */
function arena(bytes: number): Uint8Array {
  return new Uint8Array(new GrowableSAB(bytes, { maxByteLength: bytes }));
}

function allEqual(u: Uint8Array, from: number, to: number, value: number): boolean {
  for (let i = from; i < to; i++) if (u[i] !== value) return false;
  return true;
}

// os.ts bundled to plain JS, for child processes and worker threads (Node 20 cannot run .ts).
let bundleDir = '';
let osBundle = '';
beforeAll(async () => {
  bundleDir = mkdtempSync(join(tmpdir(), 'hakozuna-release-os-'));
  osBundle = join(bundleDir, 'os.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('../../src/platform/release.ts', import.meta.url))],
    outfile: osBundle, bundle: true, format: 'esm', platform: 'node', logLevel: 'silent',
  });
});
afterAll(() => { if (bundleDir) rmSync(bundleDir, { recursive: true, force: true }); });

describe(`OS release with the addon (madvise)${skipNote}`, () => {
  it.skipIf(!hasAddon)('reports the OS page size and arena alignment', () => {
    expect(osPageSize).toBeGreaterThanOrEqual(4096);
    expect(osPageSize & (osPageSize - 1)).toBe(0);
    const growable = arena(64 * MiB);
    expect(arenaPageOffset(growable)).toBe(0);
    // A view that starts inside the buffer reports the buffer's alignment.
    expect(arenaPageOffset(new Uint8Array(growable.buffer, 4096 + 3, 10))).toBe(0);
    const plain = new Uint8Array(new SharedArrayBuffer(64 * MiB));
    const k = arenaPageOffset(plain);
    expect(k).toBeGreaterThanOrEqual(0);
    expect(k).toBeLessThan(osPageSize);
    expect(k % 16).toBe(0); // glibc: 16 on x86-64 Linux (measured)
  });

  it.skipIf(!hasAddon || !hasStatm)('lowers RSS by the released pages, which read back as zero', () => {
    const u = arena(64 * MiB);
    const touched = 32 * MiB;
    u.fill(0xa5, 0, touched);
    const before = rss();
    const released = osRelease(u, 0, touched);
    const after = rss();
    expect(released).toBe(touched);
    expect(before - after).toBeGreaterThan(touched * 0.9);
    expect(allEqual(u, 0, touched, 0)).toBe(true);
    // Reading the released pages back maps the shared zero page: RSS stays down.
    expect(rss() - after).toBeLessThan(touched * 0.1);
  });

  it.skipIf(!hasAddon)('never touches bytes outside the range, even within the same OS page', () => {
    const P = osPageSize;
    const u = arena(64 * P);
    u.fill(0x5a);
    // Unaligned on both sides: [3P + 100, 9P - 200) holds whole pages 4P..8P only.
    const start = 3 * P + 100;
    const end = 9 * P - 200;
    expect(osRelease(u, start, end - start)).toBe(4 * P);
    expect(allEqual(u, 0, 4 * P, 0x5a)).toBe(true); // left neighbour + range head
    expect(allEqual(u, 4 * P, 8 * P, 0)).toBe(true); // released pages
    expect(allEqual(u, 8 * P, 64 * P, 0x5a)).toBe(true); // range tail + right neighbour

    // Less than one whole page inside: nothing released, nothing changed.
    u.fill(0x5a);
    expect(osRelease(u, 10 * P + 1, P)).toBe(0);
    expect(osRelease(u, 12 * P, P - 1)).toBe(0);
    expect(osRelease(u, 20 * P, 0)).toBe(0);
    expect(allEqual(u, 0, 64 * P, 0x5a)).toBe(true);

    // Releasing again (already released pages) is fine and still zero.
    expect(osRelease(u, 4 * P, 4 * P)).toBe(4 * P);
    expect(osRelease(u, 4 * P, 4 * P)).toBe(4 * P);
    expect(allEqual(u, 4 * P, 8 * P, 0)).toBe(true);
    expect(u[4 * P - 1]).toBe(0x5a);
    expect(u[8 * P]).toBe(0x5a);
  });

  it.skipIf(!hasAddon)('on a plain SAB (data 16 bytes into a page) releases only whole OS pages', () => {
    const P = osPageSize;
    const u = new Uint8Array(new SharedArrayBuffer(16 * P));
    const k = arenaPageOffset(u);
    u.fill(0x77);
    // Heap pages [P, 4P) straddle OS pages when k != 0: only 2 whole OS pages inside.
    const first = P + ((P - k) % P); // first buffer offset on an OS page boundary >= P
    const expected = k === 0 ? 3 * P : 2 * P;
    expect(osRelease(u, P, 3 * P)).toBe(expected);
    expect(allEqual(u, 0, first, 0x77)).toBe(true);
    expect(allEqual(u, first, first + expected, 0)).toBe(true);
    expect(allEqual(u, first + expected, 16 * P, 0x77)).toBe(true);
    // A single heap page holds no whole OS page there.
    if (k !== 0) expect(osRelease(u, 8 * P, P)).toBe(0);
  });

  it.skipIf(!hasAddon)('offsets are relative to the buffer, not to the view', () => {
    const P = osPageSize;
    const u = arena(16 * P);
    u.fill(1);
    const view = new Uint8Array(u.buffer, 5 * P + 7, P);
    expect(osRelease(view, 2 * P, P)).toBe(P);
    expect(allEqual(u, 2 * P, 3 * P, 0)).toBe(true);
    expect(allEqual(u, 5 * P, 6 * P, 1)).toBe(true);
    // Range checked against the whole buffer, not the view.
    expect(osRelease(view, 15 * P, P)).toBe(P);
  });

  it.skipIf(!hasAddon || !hasStatm)('releases across worker_threads, in both directions', async () => {
    const u = arena(64 * MiB);
    const region = 16 * MiB;
    writeFileSync(join(bundleDir, 'worker.mjs'), `
      import { parentPort, workerData } from 'node:worker_threads';
      import { osRelease, releaseMode, releaseModeReason } from './os.mjs';
      const u = new Uint8Array(workerData.sab);
      parentPort.on('message', ({ op, off, len }) => {
        if (op === 'mode') parentPort.postMessage(releaseMode + ':' + releaseModeReason);
        else if (op === 'touch') { u.fill(0x3c, off, off + len); parentPort.postMessage(len); }
        else if (op === 'release') parentPort.postMessage(osRelease(u, off, len));
      });`);
    const env = { ...process.env, HAKOZUNA_ADDON: addonPath ?? '' };
    // Two workers load the addon at the same time (it must be context-aware).
    const workers = [0, 1].map(() => new Worker(join(bundleDir, 'worker.mjs'), { workerData: { sab: u.buffer }, env }));
    const ask = (w: Worker, msg: object) => new Promise<unknown>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
      w.postMessage(msg);
    });
    try {
      for (const w of workers) expect(await ask(w, { op: 'mode' })).toBe('madvise:');

      // A worker touches, the main thread releases.
      const r0 = rss();
      await ask(workers[0], { op: 'touch', off: 0, len: region });
      const r1 = rss();
      expect(r1 - r0).toBeGreaterThan(region * 0.8);
      expect(osRelease(u, 0, region)).toBe(region);
      const r2 = rss();
      expect(r1 - r2).toBeGreaterThan(region * 0.8);
      expect(allEqual(u, 0, region, 0)).toBe(true);

      // The main thread touches, a worker releases.
      u.fill(0xc3, region, 2 * region);
      const r3 = rss();
      expect(await ask(workers[1], { op: 'release', off: region, len: region })).toBe(region);
      const r4 = rss();
      expect(r3 - r4).toBeGreaterThan(region * 0.8);
      expect(allEqual(u, region, 2 * region, 0)).toBe(true);
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  }, 30_000);

  it.skipIf(!hasAddon)('rejects bad arguments with clear errors', () => {
    const u = arena(16 * osPageSize);
    const call = (...args: unknown[]) => () => (osRelease as (...a: unknown[]) => number)(...args);
    expect(call({}, 0, 0)).toThrow(TypeError);
    expect(call({}, 0, 0)).toThrow('view must be a typed array over the arena');
    expect(call(new DataView(u.buffer), 0, 0)).toThrow(TypeError);
    expect(call(u, -1, 0)).toThrow('byteOffset must be a non-negative integer');
    expect(call(u, 0.5, 0)).toThrow('byteOffset must be a non-negative integer');
    expect(call(u, '0', 0)).toThrow(TypeError);
    expect(call(u, NaN, 0)).toThrow(TypeError);
    expect(call(u, 0, Infinity)).toThrow('byteLength must be a non-negative integer');
    expect(call(u, 0)).toThrow('byteLength must be a non-negative integer');
    expect(call(u, 0, u.length + 1)).toThrow(RangeError);
    expect(call(u, u.length, 1)).toThrow('byteOffset + byteLength exceeds the buffer');
    expect(call(u, 2 ** 53, 0)).toThrow(TypeError);
    expect(() => arenaPageOffset({} as Uint8Array)).toThrow(TypeError);
  });
});

/** Runs the bundled os.ts in a child process and returns what the script prints. */
function child(env: NodeJS.ProcessEnv, script: string): Record<string, unknown> {
  const driver = join(bundleDir, `child-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(driver, `import * as os from './os.mjs';\n${script}`);
  const r = spawnSync(process.execPath, [driver], { env, encoding: 'utf8', timeout: 20_000 });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const FALLBACK_SCRIPT = `
const P = os.osPageSize;
const u = new Uint8Array(new SharedArrayBuffer(64 * P, { maxByteLength: 64 * P }));
u.fill(0x42);
const released = [os.osRelease(u, 0, 64 * P), os.osRelease(u, 3 * P + 5, 7 * P)];
const intact = u.every((b) => b === 0x42);
const errors = [[{}, 0, 0], [u, -1, 0], [u, 0, 0.5], [u, 0, 64 * P + 1]].map((args) => {
  try { os.osRelease(...args); return 'no error'; } catch (e) { return e.constructor.name + ': ' + e.message; }
});
console.log(JSON.stringify({ mode: os.releaseMode, reason: os.releaseModeReason, pageSize: P,
  offset: String(os.arenaPageOffset(u)), released, intact, errors }));`;

describe('OS release without the addon (record-only)', () => {
  it('HAKOZUNA_NO_ADDON=1 forces record-only: returns 0 and leaves data intact', () => {
    const out = child({ ...process.env, HAKOZUNA_NO_ADDON: '1', HAKOZUNA_ADDON: addonPath ?? '' }, FALLBACK_SCRIPT);
    expect(out).toEqual({
      mode: 'record-only', reason: 'HAKOZUNA_NO_ADDON set', pageSize: 4096, offset: 'NaN',
      released: [0, 0], intact: true,
      errors: [
        'TypeError: view must be a typed array over the arena',
        'TypeError: byteOffset must be a non-negative integer',
        'TypeError: byteLength must be a non-negative integer',
        'RangeError: byteOffset + byteLength exceeds the buffer',
      ],
    });
  });

  it('a module with no hakozuna package above it says "addon not found" and how to name one', () => {
    const env = { ...process.env };
    delete env.HAKOZUNA_NO_ADDON;
    delete env.HAKOZUNA_ADDON;
    // The bundle lives in a temp dir with no package (native/binding.gyp, node_modules/hakozuna) above it.
    const out = child(env, FALLBACK_SCRIPT);
    expect(out.mode).toBe('record-only');
    expect(String(out.reason)).toMatch(/^addon not found: no hakozuna package .* above .*; code bundled away from the package can name it with HAKOZUNA_ADDON=/);
    expect(out.released).toEqual([0, 0]);
    expect(out.intact).toBe(true);
  });

  it('a broken addon file degrades to record-only with the load error', () => {
    const broken = join(bundleDir, 'broken.node');
    writeFileSync(broken, 'not an ELF file');
    const env: NodeJS.ProcessEnv = { ...process.env, HAKOZUNA_ADDON: broken };
    delete env.HAKOZUNA_NO_ADDON;
    const out = child(env, FALLBACK_SCRIPT);
    expect(out.mode).toBe('record-only');
    expect(String(out.reason)).toMatch(/^addon failed to load: /);
    expect(out.intact).toBe(true);
  });
});

describe('osResidentPages (mincore)', () => {
  it.skipIf(releaseMode !== 'madvise')('counts the touched pages of a range and drops them after a release', async () => {
    const { osResidentPages } = await import('../../src/platform/release.ts');
    const n = 16 << 20;
    const view = new Uint8Array(new SharedArrayBuffer(n, { maxByteLength: n }));
    expect(osResidentPages(view, 0, n)).toBe(0);
    for (let i = 0; i < 8 << 20; i += 4096) view[i] = 1; // touch 2048 pages
    expect(osResidentPages(view, 0, n)).toBe(2048);
    expect(osResidentPages(view, 4 << 20, 4 << 20)).toBe(1024);
    osRelease(view, 0, 4 << 20);
    expect(osResidentPages(view, 0, n)).toBe(1024);
    expect(() => osResidentPages(view, n, 1)).toThrow(/exceeds/);
  });
});
