/**
 * hakozuna as a WebAssembly module's malloc (docs/WASM.md). A small C program
 * (test/fixtures/wasm/exchange.c) is compiled to wasm32 with shared memory at
 * test time; its malloc and free are imports, served by a hakozuna heap placed
 * in the same shared WebAssembly.Memory, above the program's stack and data.
 * Two workers each attach to the heap and instantiate the module over that
 * memory (test/workers/wasm-worker.ts): blocks C allocates are freed by
 * JavaScript and the other way round, in one thread and across threads, every
 * block's contents checked by the side that frees it. Then C grows the memory,
 * and a worker started after the growth attaches with the heap's first handle.
 *
 * Needs clang (with its wasm32 target) and wasm-ld: scripts/ensure-wasm-toolchain.mjs
 * installs Debian's clang and lld where missing; without them this file skips with the reason.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHeap, PAGE_SIZE, SEGMENT_SIZE, type Heap } from '../../src/index.ts';
import { findWasmToolchain, type WasmToolchain } from '../../scripts/ensure-wasm-toolchain.mjs';
import { ROOT } from '../../scripts/lane-build.mjs';
import { workerScript } from '../helpers/workers.ts';
import { checkBlock, instantiate, LINKER_EXPORTS, pattern, WA, writeBlock, type ExchangeExports, type WasmMemory } from '../workers/wasm-blocks.ts';

const SOURCE = join(ROOT, 'test', 'fixtures', 'wasm', 'exchange.c');
const WASM_PAGE = 65536;
/** The stack wasm-ld lays out first (--stack-first), at [0, STACK_BYTES): the main thread's instance runs on it. */
const STACK_BYTES = 64 << 10;
/** The workers' stacks: a block of the heap each. */
const WORKER_STACK_BYTES = 64 << 10;
const MAX_MEMORY = 128 << 20;
const REGION_BYTES = 32 << 20;
/** Bytes of the initial memory past the heap's region, which the heap must leave alone. */
const TAIL_BYTES = 256 << 10;
const GROW_PAGES = 16;

/** The commands of docs/WASM.md: compile, then link for an imported shared memory. */
function build(tools: WasmToolchain, dir: string): Uint8Array {
  const obj = join(dir, 'exchange.o');
  const wasm = join(dir, 'exchange.wasm');
  const run = (cmd: string, args: string[]): void => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.error}):\n${r.stderr}`);
  };
  run(tools.clang, ['--target=wasm32', '-O2', '-ffreestanding', '-matomics', '-mbulk-memory', '-mmutable-globals', '-c', SOURCE, '-o', obj]);
  run(tools.wasmLd, [
    '--no-entry', '--import-memory', '--shared-memory', `--max-memory=${MAX_MEMORY}`,
    '--stack-first', '-z', `stack-size=${STACK_BYTES}`,
    ...LINKER_EXPORTS.map((e) => `--export=${e}`),
    obj, '-o', wasm,
  ]);
  return readFileSync(wasm);
}

type Result = Record<string, number> & { type: string; op: string; message?: string };

/** A worker answering one message at a time (test/workers/wasm-worker.ts). */
class Peer {
  readonly worker: Worker;
  readonly ready: Promise<Result>;
  private waiting: { resolve(r: Result): void; reject(e: Error): void }[] = [];
  private failure: Error | undefined;

  constructor(file: string, data: Record<string, unknown>) {
    this.worker = new Worker(file, { workerData: data });
    this.ready = this.next();
    this.worker.on('message', (m: Result) => {
      const w = this.waiting.shift();
      if (w === undefined) return;
      if (m.type === 'error') w.reject(new Error(`${String(data.name)} ${m.op}: ${m.message}`));
      else w.resolve(m);
    });
    const fail = (e: Error): void => {
      this.failure = e;
      for (const w of this.waiting.splice(0)) w.reject(e);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`${String(data.name)} exited (code ${code})`)));
  }

  private next(): Promise<Result> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  ask(msg: Record<string, unknown>): Promise<Result> {
    const p = this.next();
    this.worker.postMessage(msg);
    return p;
  }
}

const tools = findWasmToolchain();
if (!tools) console.warn('[wasm.test] skipped: no clang with a wasm32 target and wasm-ld (run: node scripts/ensure-wasm-toolchain.mjs, as root it installs Debian\'s clang and lld)');

describe.skipIf(!tools)('hakozuna as the malloc of a wasm32 module with shared memory', () => {
  let dir = '';
  let module: object;
  let memory: WasmMemory;
  let heap: Heap;
  let mainC: ExchangeExports;
  let script = '';
  let heapBase = 0;
  let initialBytes = 0;
  let region = { byteOffset: 0, byteLength: 0 };
  const peers: Peer[] = [];
  let a: Peer;
  let b: Peer;
  const guardSeed = 0x5eed;
  const zoneSeed = 0x20e;
  const grownSeed = 0x6a0;
  let grown = { start: 0, len: 0 };

  /** Bytes outside the heap that were patterned before it was made: [start, end) with a seed. */
  const guards: { start: number; end: number; seed: number }[] = [];
  const fillGuard = (start: number, end: number, seed: number): void => {
    const u8 = new Uint8Array(memory.buffer);
    for (let i = start; i < end; i++) u8[i] = pattern(seed, i - start);
    guards.push({ start, end, seed });
  };
  const brokenGuards = (): string[] => {
    const u8 = new Uint8Array(memory.buffer);
    const out: string[] = [];
    for (const g of guards) {
      for (let i = g.start; i < g.end; i++) {
        if (u8[i] !== pattern(g.seed, i - g.start)) {
          out.push(`byte ${i} of [${g.start}, ${g.end}) changed`);
          break;
        }
      }
    }
    return out;
  };

  const start = (name: string): Peer => {
    const p = new Peer(script, { handle: heap.handle, memory, module, name, stackBytes: WORKER_STACK_BYTES, region });
    peers.push(p);
    return p;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hakozuna-wasm-'));
    module = new WA.Module(build(tools!, dir));
    script = await workerScript('wasm-worker');
    // The main thread's instance is made first, over the real memory, to learn where the program's data ends.
    memory = new WA.Memory({ initial: 2, maximum: MAX_MEMORY / WASM_PAGE, shared: true });
    mainC = instantiate(module, memory, () => heap);
    heapBase = mainC.__heap_base.value >>> 0;
    // Room for the region from the first 4 KiB boundary at or above __heap_base, and a tail after it.
    const base = Math.ceil(heapBase / PAGE_SIZE) * PAGE_SIZE;
    initialBytes = Math.ceil((base + REGION_BYTES + TAIL_BYTES) / WASM_PAGE) * WASM_PAGE;
    memory.grow(initialBytes / WASM_PAGE - memory.buffer.byteLength / WASM_PAGE);
    mainC.c_fill_zone(zoneSeed);
    fillGuard(heapBase, base, guardSeed);
    fillGuard(base + REGION_BYTES, initialBytes, guardSeed + 1);
    heap = createHeap({ buffer: memory.buffer, byteOffset: heapBase, byteLength: base - heapBase + REGION_BYTES, maxThreads: 8 });
    region = heap.region;
    a = start('worker A');
    b = start('worker B');
  });

  afterAll(async () => {
    await Promise.all(peers.map((p) => p.worker.terminate()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the heap sits above the program\'s stack and data, in the region asked for, in the memory\'s own buffer', async () => {
    expect(heapBase).toBeGreaterThan(STACK_BYTES); // --stack-first: stack, then data, then __heap_base
    expect(region).toEqual({ byteOffset: Math.ceil(heapBase / PAGE_SIZE) * PAGE_SIZE, byteLength: REGION_BYTES });
    expect(heap.buffer).toBe(memory.buffer);
    expect(heap.handle.buffer).toBe(memory.buffer);
    expect(REGION_BYTES % SEGMENT_SIZE).toBe(0);
    const [ra, rb] = await Promise.all([a.ready, b.ready]);
    expect(ra.slot).not.toBe(rb.slot);
    for (const r of [ra, rb]) {
      // Each worker's C runs on its own stack, a block of the heap.
      expect(r.stack).toBeGreaterThanOrEqual(region.byteOffset);
      expect(r.stackHere).toBeGreaterThanOrEqual(r.stack);
      expect(r.stackHere).toBeLessThan(r.stack + WORKER_STACK_BYTES);
      expect(r.memoryBytes).toBe(initialBytes);
    }
    // The main thread's instance runs on the stack wasm-ld laid out.
    expect(mainC.c_stack_here() >>> 0).toBeLessThan(STACK_BYTES);
  });

  it('in each worker, blocks C allocates are checked and freed by JavaScript, and the other way round (lists too)', async () => {
    const [ra, rb] = await Promise.all([a.ask({ op: 'local', seed: 1 }), b.ask({ op: 'local', seed: 2 })]);
    for (const r of [ra, rb]) expect({ cToJs: r.cToJs, jsToC: r.jsToC, listToJs: r.listToJs, listToC: r.listToC }).toEqual({ cToJs: 16, jsToC: 16, listToJs: 200, listToC: 200 });
    // And in the main thread, against its own attachment.
    const p = mainC.c_make(5000, 77) >>> 0;
    expect(checkBlock(heap.u8, p, 'main')).toBe(5000);
    heap.free(p);
    const q = heap.malloc(3000);
    writeBlock(heap.u8, q, 3000, 78);
    expect(mainC.c_check_free(q)).toBe(0);
  });

  it('across workers: blocks made by C or JavaScript in one are freed by C or JavaScript in the other', async () => {
    const outA = new SharedArrayBuffer(64 * 4);
    const outB = new SharedArrayBuffer(64 * 4);
    await Promise.all([a.ask({ op: 'give', out: outA, seed: 100 }), b.ask({ op: 'give', out: outB, seed: 200 })]);
    const [ta, tb] = await Promise.all([a.ask({ op: 'take', from: outB }), b.ask({ op: 'take', from: outA })]);
    for (const t of [ta, tb]) expect({ cc: t['c->c'], cjs: t['c->js'], jsc: t['js->c'], jsjs: t['js->js'] }).toEqual({ cc: 16, cjs: 16, jsc: 16, jsjs: 16 });
    expect(heap.stats().bytesInUse).toBe(2 * WORKER_STACK_BYTES);
  });

  it('both workers at once swap blocks through shared slots, C and JavaScript making and freeing each at random', async () => {
    const slots = new SharedArrayBuffer(512 * 4);
    const ops = 20_000;
    const [sa, sb] = await Promise.all([a.ask({ op: 'swap', shared: slots, ops, seed: 300 }), b.ask({ op: 'swap', shared: slots, ops, seed: 400 })]);
    for (const s of [sa, sb]) {
      expect(s.cMade + s.jsMade).toBe(ops);
      expect(s.cMade).toBeGreaterThan(ops / 3);
      expect(s.cFreed).toBeGreaterThan(ops / 4);
      expect(s.jsFreed).toBeGreaterThan(ops / 4);
    }
    // The main thread drains what is left, half in C, half in JavaScript.
    const left = new Uint32Array(slots);
    let n = 0;
    for (let i = 0; i < left.length; i++) {
      const p = Atomics.exchange(left, i, 0);
      if (p === 0) continue;
      if (i & 1) expect(mainC.c_check_free(p)).toBe(0);
      else {
        checkBlock(heap.u8, p, 'main');
        heap.free(p);
      }
      n++;
    }
    expect(sa.cFreed + sa.jsFreed + sb.cFreed + sb.jsFreed + n).toBe(2 * ops);
    expect(heap.stats().bytesInUse).toBe(2 * WORKER_STACK_BYTES);
  });

  it('memory.grow from C adds bytes the heap never uses; every thread sees them, the heap and its handle carry on', async () => {
    const g = await a.ask({ op: 'grow', pages: GROW_PAGES, seed: grownSeed });
    grown = { start: g.start, len: g.len };
    expect(g.start).toBe(initialBytes);
    expect(g.memoryBytes).toBe(initialBytes + GROW_PAGES * WASM_PAGE);
    // The heap's views are over the buffer object it was given, whose length does not change.
    expect(g.heapBufferBytes).toBe(initialBytes);
    const c = await b.ask({ op: 'checkBytes', start: g.start, len: g.len, seed: grownSeed });
    expect(c.memoryBytes).toBe(initialBytes + GROW_PAGES * WASM_PAGE);
    // Here: a new buffer object over the same memory; the heap keeps the old one, and so does its handle.
    expect(memory.buffer.byteLength).toBe(initialBytes + GROW_PAGES * WASM_PAGE);
    expect(heap.buffer.byteLength).toBe(initialBytes);
    expect(heap.handle.buffer.byteLength).toBe(initialBytes);
    expect(mainC.c_check_bytes(g.start, g.len, grownSeed)).toBe(0);
    // Both workers allocate and free as before.
    await Promise.all([a.ask({ op: 'local', seed: 5 }), b.ask({ op: 'local', seed: 6 })]);
  });

  it('a worker started after the growth attaches with the first handle and exchanges blocks with the others', async () => {
    const late = start('worker L');
    const r = await late.ready;
    expect(r.memoryBytes).toBe(initialBytes + GROW_PAGES * WASM_PAGE);
    const out = new SharedArrayBuffer(64 * 4);
    await a.ask({ op: 'give', out, seed: 500 });
    await late.ask({ op: 'local', seed: 7 });
    const t = await late.ask({ op: 'take', from: out });
    expect(t['c->c'] + t['c->js'] + t['js->c'] + t['js->js']).toBe(64);
    await late.ask({ op: 'finish' });
    // handle.buffer arrives as a clone of the first buffer object: at least the bytes it had (Node 20 gives it the memory's current length).
    expect(r.handleBufferBytes).toBeGreaterThanOrEqual(initialBytes);
  });

  it('at the end every block is freed, the heap is sound, and no byte outside its region changed', async () => {
    await Promise.all([a.ask({ op: 'finish' }), b.ask({ op: 'finish' })]);
    const s = heap.stats();
    expect({ bytesInUse: s.bytesInUse, liveBlocks: s.liveBlocks, threads: s.threads }).toEqual({ bytesInUse: 0, liveBlocks: 0, threads: 1 });
    const c = heap.check();
    expect(c.problems).toEqual([]);
    expect(c.leakedPages).toBe(0);
    // Pages given back to the OS (madvise, where the addon is built) are pages of the wasm memory, inside the region.
    const t = heap.trim();
    if (heap.stats().releaseMode === 'madvise') expect(t.releasedPages).toBeGreaterThan(0);
    expect(heap.check().problems).toEqual([]);
    expect(brokenGuards()).toEqual([]);
    expect(mainC.c_check_zone(zoneSeed)).toBe(0);
    expect(mainC.c_check_bytes(grown.start, grown.len, grownSeed)).toBe(0);
    heap.destroy();
  });
});
