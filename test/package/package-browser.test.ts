/**
 * The browser build in a real browser: headless Chromium (scripts/ensure-chromium.mjs
 * installs Debian's package where missing; without it this test skips with the
 * reason) loads pages from a server on 127.0.0.1.
 *
 * - With COOP/COEP (cross-origin isolated): the main thread creates a heap, two
 *   module Web Workers attach and cross-free 300 patterned blocks each way while
 *   the main thread allocates too; stats() and check() afterwards; a third worker
 *   is watched, terminated while attached, and adopted (Web Locks); watch({}) is a
 *   HeapError; releases are record-only and stats() says why; the main thread may
 *   not Atomics.wait.
 * - Without the headers: createHeap throws a HeapError that names the headers;
 *   a heap in a plain ArrayBuffer (one thread) works on both pages.
 *
 * Each page reports its outcome by POSTing JSON to the server; the test reads it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { buildLane } from '../../scripts/lane-build.mjs';
import { findChromium } from '../../scripts/ensure-chromium.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'hz-package-browser-'));
const site = join(tmp, 'site');
const chromium = findChromium();

const MAIN = String.raw`
import { createHeap, HeapError, lane } from './scale/browser.js';
const page = location.pathname.split('/')[1];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const errorOf = (e) => ({ name: e?.name, code: e?.code, message: e?.message, isHeapError: e instanceof HeapError });
const out = { page, crossOriginIsolated: self.crossOriginIsolated, lane };
const reply = (w) => new Promise((resolve, reject) => {
  w.onmessage = (e) => resolve(e.data);
  w.onerror = (e) => reject(new Error('worker error: ' + e.message));
});
async function run() {
  const heap = createHeap({ maxBytes: 64 << 20, maxThreads: 8 });
  try { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0); out.mainCanWait = true; } catch { out.mainCanWait = false; }
  try { heap.watch({}); out.watchObject = 'accepted'; } catch (e) { out.watchObject = errorOf(e); }

  // Two workers allocate patterned blocks while the main thread allocates and frees too.
  const ws = [0, 1].map(() => new Worker('./worker.js', { type: 'module' }));
  let replies = ws.map(reply);
  ws.forEach((w, id) => w.postMessage({ op: 'alloc', handle: heap.handle, id, n: 300 }));
  const mine = [];
  for (let i = 0; i < 3000; i++) {
    mine.push(heap.malloc(16 + (i % 100) * 16));
    if (mine.length > 200) heap.free(mine.shift());
  }
  const blocks = await Promise.all(replies);
  out.threadsDuring = heap.stats().threads;
  // Each frees the other's blocks, after checking their patterns.
  replies = ws.map(reply);
  ws[0].postMessage({ op: 'free', blocks: blocks[1] });
  ws[1].postMessage({ op: 'free', blocks: blocks[0] });
  out.crossFree = await Promise.all(replies);
  for (const p of mine) heap.free(p);
  ws.forEach((w) => w.terminate());
  out.stats = heap.stats();
  out.check = heap.check();

  // A watched worker terminated while attached: its slot is adopted.
  const keeper = new Worker('./worker.js', { type: 'module' });
  heap.watch(keeper);
  const kept = reply(keeper);
  keeper.postMessage({ op: 'alloc', handle: heap.handle, id: 2, n: 50 });
  await kept;
  out.threadsWithKeeper = heap.stats().threads;
  await sleep(100);
  const t0 = performance.now();
  keeper.terminate();
  while (heap.stats().threads > 1 && performance.now() - t0 < 5000) await sleep(10);
  out.adoptedAfterMs = Math.round(performance.now() - t0);
  out.statsAfterWatch = heap.stats();
  out.checkAfterWatch = heap.check();
}
// One thread needs no SharedArrayBuffer: a heap in a plain ArrayBuffer works with or without the headers.
try {
  const h = createHeap({ buffer: new ArrayBuffer(6 << 20), byteOffset: 100, maxThreads: 2 });
  const ps = [];
  for (let i = 0; i < 2000; i++) { const p = h.malloc(16 + (i % 300) * 8); h.u32[p >>> 2] = i; ps.push(p); }
  let bad = 0;
  ps.forEach((p, i) => { if (h.u32[p >>> 2] !== i) bad++; h.free(p); });
  out.arrayBufferHeap = { region: h.region, bad, inUse: h.stats().bytesInUse, problems: h.check().problems.length };
  h.destroy();
} catch (e) { out.arrayBufferHeap = errorOf(e); }
try { await run(); } catch (e) { out.error = errorOf(e); }
await fetch('/result/' + page, { method: 'POST', body: JSON.stringify(out) });
`;

const WORKER = String.raw`
import { attachHeap } from './scale/browser.js';
const SIZES = [16, 24, 100, 512, 2048, 3000, 8192, 20000, 40000, 100000];
const byte = (id, i, j) => (id * 101 + i * 7 + j) & 255;
let heap;
self.onmessage = (e) => {
  const m = e.data;
  if (m.op === 'alloc') {
    heap = attachHeap(m.handle);
    const ptrs = [], sizes = [];
    for (let i = 0; i < m.n; i++) {
      const size = SIZES[(i * 7 + m.id) % SIZES.length];
      const p = heap.malloc(size);
      for (let j = 0; j < size; j++) heap.u8[p + j] = byte(m.id, i, j);
      ptrs.push(p); sizes.push(size);
    }
    postMessage({ id: m.id, ptrs, sizes, slot: heap.slot });
  } else if (m.op === 'free') {
    const { id, ptrs, sizes } = m.blocks;
    let bad = 0;
    for (let i = 0; i < ptrs.length; i++) {
      for (let j = 0; j < sizes[i]; j++) if (heap.u8[ptrs[i] + j] !== byte(id, i, j)) { bad++; break; }
      heap.free(ptrs[i]);
    }
    for (let i = 0; i < 1000; i++) heap.free(heap.malloc(64));
    heap.detach();
    postMessage({ freed: ptrs.length, bad });
  }
};
`;

const PAGE = '<!doctype html><meta charset="utf-8"><title>hakozuna in a browser</title><script type="module" src="./main.js"></script>\n';

type Outcome = Record<string, unknown> & {
  crossOriginIsolated: boolean;
  error?: { name: string; code: string; message: string; isHeapError: boolean };
};

let server: Server | undefined;
let port = 0;
const results = new Map<string, Outcome>();
const waiting = new Map<string, (o: Outcome) => void>();

function outcome(page: string): Promise<Outcome> {
  const got = results.get(page);
  return got ? Promise.resolve(got) : new Promise((resolve) => waiting.set(page, resolve));
}

beforeAll(async () => {
  mkdirSync(site, { recursive: true });
  await buildLane('scale', {}, undefined, { outRoot: site, platform: 'browser' });
  writeFileSync(join(site, 'index.html'), PAGE);
  writeFileSync(join(site, 'main.js'), MAIN);
  writeFileSync(join(site, 'worker.js'), WORKER);
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const post = /^\/result\/(\w+)$/.exec(url.pathname);
    if (req.method === 'POST' && post) {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        const o = JSON.parse(body) as Outcome;
        results.set(post[1]!, o);
        waiting.get(post[1]!)?.(o);
        res.end('ok');
      });
      return;
    }
    // /iso/<file>: cross-origin isolated; /plain/<file>: the same files without the headers.
    const m = /^\/(iso|plain)\/(.+)$/.exec(url.pathname);
    const file = m ? normalize(join(site, m[2]!)) : '';
    if (!m || !file.startsWith(site + '/')) {
      res.writeHead(404).end();
      return;
    }
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      res.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = { 'content-type': file.endsWith('.html') ? 'text/html' : 'text/javascript', 'cache-control': 'no-store' };
    if (m[1] === 'iso') {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    res.writeHead(200, headers).end(body);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  rmSync(tmp, { recursive: true, force: true });
});

/** Load a page in a headless Chromium of its own (headless mode opens one target) and wait for its POSTed outcome. */
async function inChromium(page: string, timeoutMs = 30_000): Promise<Outcome> {
  const profile = join(tmp, `profile-${Math.random().toString(36).slice(2)}`);
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--user-data-dir=${profile}`,
    `http://127.0.0.1:${port}/${page}/index.html`,
  ];
  // Its own process group, so the browser's helper processes end with it.
  const browser = spawn(chromium!, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  browser.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c).slice(-4000)));
  const exited = new Promise<void>((resolve) => browser.once('exit', () => resolve()));
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      outcome(page),
      exited.then(() => Promise.reject(new Error(`chromium exited before the page reported: ${stderr}`))),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no outcome within ${timeoutMs} ms; chromium said: ${stderr}`)), timeoutMs))),
    ]);
  } finally {
    clearTimeout(timer);
    if (browser.exitCode === null && browser.signalCode === null) {
      try {
        process.kill(-browser.pid!, 'SIGTERM');
      } catch {
        browser.kill('SIGTERM');
      }
      await exited;
    }
    rmSync(profile, { recursive: true, force: true });
  }
}

describe('in a browser (headless Chromium)', () => {
  it('isolated: heap on the main thread, two Web Workers cross-free, watch adopts; not isolated: a HeapError naming the headers', async (ctx) => {
    if (chromium === undefined) {
      console.warn('[package-browser] skipped: no chromium (run: node scripts/ensure-chromium.mjs)');
      ctx.skip();
    }
    const [iso, plain] = await Promise.all([inChromium('iso'), inChromium('plain')]);

    if (process.env.HZ_DEBUG) console.log(JSON.stringify({ iso, plain }, null, 1));
    expect(iso!.error).toBeUndefined();
    expect(iso).toMatchObject({
      crossOriginIsolated: true,
      lane: 'scale',
      mainCanWait: false,
      threadsDuring: 3,
      crossFree: [{ freed: 300, bad: 0 }, { freed: 300, bad: 0 }],
      stats: { threads: 1, bytesInUse: 0, releaseMode: 'record-only' },
      check: { problems: [] },
      threadsWithKeeper: 2,
      statsAfterWatch: { threads: 1 },
      checkAfterWatch: { problems: [] },
    });
    expect((iso!.stats as { releaseModeReason: string }).releaseModeReason).toMatch(/^browser: /);
    expect(iso!.watchObject).toMatchObject({ name: 'HeapError', code: 'EINVAL', isHeapError: true, message: 'EINVAL: watch: expected a Web Worker (with postMessage and terminate), got [object Object]' });
    expect(iso!.adoptedAfterMs).toBeLessThan(5000);

    for (const o of [iso!, plain!]) {
      expect(o.arrayBufferHeap).toEqual({ region: { byteOffset: 4096, byteLength: 5 << 20 }, bad: 0, inUse: 0, problems: 0 });
    }
    expect(plain!.crossOriginIsolated).toBe(false);
    expect(plain!.error).toMatchObject({ name: 'HeapError', code: 'EINVAL', isHeapError: true });
    expect(plain!.error!.message).toMatch(/^EINVAL: createHeap: SharedArrayBuffer is not available because this page is not cross-origin isolated/);
    expect(plain!.error!.message).toContain('"Cross-Origin-Opener-Policy: same-origin"');
    expect(plain!.error!.message).toContain('"Cross-Origin-Embedder-Policy: require-corp"');
  }, 60_000);
});
