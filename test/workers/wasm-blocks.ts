/**
 * The JavaScript side of test/fixtures/wasm/exchange.c: its block format, and
 * an instance of the module whose malloc and free are a hakozuna heap's. Used
 * by test/platform/wasm.test.ts and test/workers/wasm-worker.ts.
 *
 * A block: word 0 = size in bytes (>= 8), word 1 = seed, bytes 8.. = pattern(seed, i),
 * written and checked the same way by C and by JavaScript.
 */
export { drawSize, rng } from './blocks.ts';

// The project's tsconfig has no DOM lib, so the WebAssembly API used here is typed here.
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
export interface WasmGlobal {
  value: number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
export const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** What exchange.c exports (pointers and sizes are u32 in C, i32 here: `>>> 0` them). */
export interface ExchangeExports {
  c_make(size: number, seed: number): number;
  c_check(p: number): number;
  c_check_free(p: number): number;
  c_make_list(n: number, seed: number): number;
  c_free_list(head: number): number;
  c_fill_zone(seed: number): void;
  c_check_zone(seed: number): number;
  c_stack_here(): number;
  c_grow(pages: number): number;
  c_fill_bytes(p: number, len: number, seed: number): void;
  c_check_bytes(p: number, len: number, seed: number): number;
  __heap_base: WasmGlobal;
  __stack_pointer: WasmGlobal;
}

/** The exports wasm-ld must be asked for (the functions are exported by export_name in the source). */
export const LINKER_EXPORTS = ['__heap_base', '__stack_pointer'];

/** The allocator the instance imports: a hakozuna heap attached in this thread. */
export interface Allocator {
  malloc(size: number): number;
  free(ptr: number): void;
}

/**
 * Instantiate the module over `memory`. `heap()` is read at each call, so the
 * instance may be made before the heap exists (to read __heap_base first).
 * Sizes and pointers arrive from wasm as i32: `>>> 0` makes them the unsigned
 * values C meant (a block at 2 GiB and above would otherwise be negative).
 */
export function instantiate(module: object, memory: WasmMemory, heap: () => Allocator): ExchangeExports {
  const env = {
    memory,
    malloc: (size: number): number => heap().malloc(size >>> 0),
    free: (ptr: number): void => heap().free(ptr >>> 0),
  };
  return new WA.Instance(module, { env }).exports as ExchangeExports;
}

export const pattern = (seed: number, i: number): number => ((Math.imul(seed, 2654435761) + Math.imul(i, 40503)) >>> 13) & 0xff;

/** Write the block format at p (as exchange.c's fill). */
export function writeBlock(u8: Uint8Array, p: number, size: number, seed: number): void {
  const dv = new DataView(u8.buffer, u8.byteOffset);
  dv.setUint32(p, size, true);
  dv.setUint32(p + 4, seed >>> 0, true);
  for (let i = 8; i < size; i++) u8[p + i] = pattern(seed, i);
}

/** Check the block at p (as exchange.c's c_check); throws naming the first wrong byte. Returns its size. */
export function checkBlock(u8: Uint8Array, p: number, who: string): number {
  const dv = new DataView(u8.buffer, u8.byteOffset);
  const size = dv.getUint32(p, true);
  const seed = dv.getUint32(p + 4, true);
  if (size < 8 || size > 64 << 20) throw new Error(`${who}: block ${p} has a bad header (size ${size})`);
  for (let i = 8; i < size; i++) {
    if (u8[p + i] !== pattern(seed, i)) throw new Error(`${who}: block ${p} (size ${size}, seed ${seed}) byte ${i} is ${u8[p + i]}, expected ${pattern(seed, i)}`);
  }
  return size;
}

/** exchange.c's struct node: next at 0, the payload (a block) at 16. */
export const NODE_PAYLOAD = 16;
export const listPayloadSize = (seed: number, k: number): number => 8 + ((seed + k * 37) >>> 0) % 600;

/**
 * Sizes of every kind: small (16..2048), medium (to 32 KiB), large page runs,
 * and one above 1 MiB (a multi-segment span).
 */
export const SIZES = [8, 16, 24, 40, 100, 256, 1000, 2048, 2049, 4096, 10_000, 32_768, 32_769, 100_000, 300_000, 1_200_000];
