/**
 * One thread of test/platform/wasm.test.ts: attaches to the hakozuna heap in a shared
 * WebAssembly.Memory, instantiates test/fixtures/wasm/exchange.c's module over
 * that memory with the heap's malloc and free as its imports, runs C on a
 * stack of its own (a block of the heap), and does what the test asks, one
 * message at a time, checking every block C or JavaScript wrote.
 *
 * workerData: { handle, memory, module, name, stackBytes, region: the heap's { byteOffset, byteLength } }
 * Messages in: { op, ... } (see `ops`); out: { type: 'result', op, ... } or { type: 'error', op, message }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { attachHeap, type HeapHandle } from '../../src/index.ts';
import { checkBlock, drawSize, instantiate, listPayloadSize, NODE_PAYLOAD, pattern, rng, SIZES, writeBlock, type WasmMemory } from './wasm-blocks.ts';

const { handle, memory, module, name, stackBytes, region } = workerData as {
  handle: HeapHandle;
  memory: WasmMemory;
  module: object;
  name: string;
  stackBytes: number;
  region: { byteOffset: number; byteLength: number };
};
// C's malloc returns NULL when the heap is full, as C expects, instead of throwing through the wasm frames.
const heap = attachHeap(handle, { onExhausted: 'null' });
const c = instantiate(module, memory, () => heap);
const u8 = heap.u8;
const u32 = heap.u32;

// Every instance starts with the same __stack_pointer (the top of the stack
// wasm-ld laid out); two threads on it would write each other's frames. This
// one runs on a block of the heap.
const stack = heap.malloc(stackBytes);
c.__stack_pointer.value = stack + stackBytes;
const inStack = (a: number): boolean => a >= stack && a < stack + stackBytes;

const fail = (what: string): never => {
  throw new Error(`${name}: ${what}`);
};

/** C checks (and frees) a block; 0 means intact. */
function cCheckFree(p: number): void {
  const bad = c.c_check_free(p) >>> 0;
  if (bad !== 0) fail(`C found block ${p} corrupted (c_check says ${bad})`);
}

function jsCheckFree(p: number): void {
  checkBlock(u8, p, name);
  heap.free(p);
}

/** Every block lies in the heap's region, whoever asked for it. */
function inRegion(p: number, size: number, who: string): number {
  if (p === 0) fail(`${who}'s malloc(${size}) returned 0`);
  if (p < region.byteOffset || p + size > region.byteOffset + region.byteLength) fail(`${who}'s malloc(${size}) gave ${p}, outside the heap's region`);
  return p;
}

function cMake(size: number, seed: number): number {
  return inRegion(c.c_make(size, seed) >>> 0, size, 'C');
}

function jsMake(size: number, seed: number): number {
  const p = inRegion(heap.malloc(size), size, 'JavaScript');
  writeBlock(u8, p, size, seed);
  return p;
}

/** C-made blocks freed by JavaScript, JavaScript-made blocks freed by C, one of each size; lists both ways. */
function local(seed: number): Record<string, number> {
  let cToJs = 0;
  let jsToC = 0;
  for (const [k, size] of SIZES.entries()) {
    jsCheckFree(cMake(size, seed + k));
    cToJs++;
    cCheckFree(jsMake(size, seed + 1000 + k));
    jsToC++;
  }
  // A list C built (each node its own malloc), walked, checked and freed by JavaScript.
  const N = 200;
  let p = c.c_make_list(N, seed) >>> 0;
  let walked = 0;
  while (p !== 0) {
    const next = u32[p >>> 2];
    if (checkBlock(u8, p + NODE_PAYLOAD, name) !== listPayloadSize(seed, N - 1 - walked)) fail(`node ${walked} of C's list has the wrong size`);
    heap.free(p);
    p = next;
    walked++;
  }
  if (walked !== N) fail(`C's list had ${walked} nodes, not ${N}`);
  // And one JavaScript built, which C checks and frees.
  let head = 0;
  for (let k = 0; k < N; k++) {
    const size = listPayloadSize(seed, k);
    const e = heap.malloc(NODE_PAYLOAD + size);
    u32[e >>> 2] = head;
    writeBlock(u8, e + NODE_PAYLOAD, size, seed + k);
    head = e;
  }
  const freed = c.c_free_list(head) >>> 0;
  if (freed !== N) fail(`C's c_free_list freed ${freed === 0xffffffff ? 'none past a corrupted node' : freed} of ${N} nodes`);
  return { cToJs, jsToC, listToJs: walked, listToC: freed };
}

/** Fill `out` with blocks for another thread: even slots made by C, odd by JavaScript. */
function give(out: SharedArrayBuffer, seed: number): Record<string, number> {
  const slots = new Uint32Array(out);
  const r = rng(seed);
  for (let i = 0; i < slots.length; i++) {
    const size = i < SIZES.length * 2 ? SIZES[i >>> 1] : drawSize(r);
    Atomics.store(slots, i, i & 1 ? jsMake(size, seed + i) : cMake(size, seed + i));
  }
  return { given: slots.length };
}

/** Free another thread's blocks: slot i made by C when i is even, freed here by C when bit 1 of i is clear. */
function take(from: SharedArrayBuffer): Record<string, number> {
  const slots = new Uint32Array(from);
  const n: Record<string, number> = { 'c->c': 0, 'c->js': 0, 'js->c': 0, 'js->js': 0 };
  for (let i = 0; i < slots.length; i++) {
    const p = Atomics.exchange(slots, i, 0);
    if (p === 0) fail(`slot ${i} is empty`);
    const freer = i & 2 ? 'js' : 'c';
    if (freer === 'c') cCheckFree(p);
    else jsCheckFree(p);
    n[`${i & 1 ? 'js' : 'c'}->${freer}`]++;
  }
  return n;
}

/**
 * Both threads at once: make a block (C or JavaScript), swap it into a random
 * slot, and check and free whatever comes out (C or JavaScript), so frees
 * cross threads while the other thread allocates.
 */
function swap(shared: SharedArrayBuffer, ops: number, seed: number): Record<string, number> {
  const slots = new Uint32Array(shared);
  const r = rng(seed);
  const n = { cMade: 0, jsMade: 0, cFreed: 0, jsFreed: 0 };
  for (let i = 0; i < ops; i++) {
    const size = drawSize(r);
    let mine: number;
    if (r() & 1) {
      mine = cMake(size, seed + i);
      n.cMade++;
    } else {
      mine = jsMake(size, seed + i);
      n.jsMade++;
    }
    const got = Atomics.exchange(slots, r() % slots.length, mine);
    if (got === 0) continue;
    if (r() & 1) {
      cCheckFree(got);
      n.cFreed++;
    } else {
      jsCheckFree(got);
      n.jsFreed++;
    }
  }
  return n;
}

/** C grows the memory and fills the new pages, which are its own (the heap's region is fixed). */
function grow(pages: number, seed: number): Record<string, number> {
  const old = c.c_grow(pages);
  if (old < 0) fail(`memory.grow(${pages}) failed`);
  const start = old * 65536;
  const len = pages * 65536;
  c.c_fill_bytes(start, len, seed);
  return { start, len, memoryBytes: memory.buffer.byteLength, heapBufferBytes: heap.buffer.byteLength };
}

/** Check bytes outside the heap both in C and through a view of the memory's current buffer. */
function checkBytes(start: number, len: number, seed: number): Record<string, number> {
  const seen = memory.buffer.byteLength;
  const bad = c.c_check_bytes(start, len, seed) >>> 0;
  if (bad !== 0) fail(`C finds byte ${bad - 1} from ${start} wrong`);
  const view = new Uint8Array(memory.buffer, start, len);
  for (let i = 0; i < len; i++) if (view[i] !== pattern(seed, i)) fail(`byte ${start + i} is wrong`);
  return { memoryBytes: seen, heapBufferBytes: heap.buffer.byteLength };
}

function finish(): Record<string, number> {
  if (!inStack(c.c_stack_here() >>> 0)) fail('C left its stack');
  heap.free(stack);
  heap.detach();
  return { detached: 1 };
}

type Msg = { op: string; out: SharedArrayBuffer; from: SharedArrayBuffer; shared: SharedArrayBuffer; seed: number; ops: number; pages: number; start: number; len: number };
const ops: Record<string, (m: Msg) => Record<string, number>> = {
  local: (m) => local(m.seed),
  give: (m) => give(m.out, m.seed),
  take: (m) => take(m.from),
  swap: (m) => swap(m.shared, m.ops, m.seed),
  grow: (m) => grow(m.pages, m.seed),
  checkBytes: (m) => checkBytes(m.start, m.len, m.seed),
  finish: () => finish(),
};

parentPort!.on('message', (m: Msg) => {
  try {
    const result = ops[m.op](m);
    parentPort!.postMessage({ type: 'result', op: m.op, ...result });
    if (m.op === 'finish') parentPort!.close();
  } catch (e) {
    parentPort!.postMessage({ type: 'error', op: m.op, message: (e as Error).stack ?? String(e) });
  }
});

parentPort!.postMessage({
  type: 'result',
  op: 'ready',
  slot: heap.slot,
  stack,
  stackHere: c.c_stack_here() >>> 0,
  memoryBytes: memory.buffer.byteLength,
  handleBufferBytes: handle.buffer.byteLength,
});
