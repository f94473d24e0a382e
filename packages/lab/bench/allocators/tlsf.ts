/**
 * tlsf: AssemblyScript's TLSF memory manager compiled to wasm
 * (bench/peers/tlsf.ts, built by scripts/build-peers.mjs). The wasm exports are
 * the malloc/free the workload calls, with no JS wrapper in between.
 *
 * Multi-worker workloads (`shared`): bench/peers/tlsf-shared.ts, the same TLSF
 * built against an imported shared WebAssembly.Memory. The child's main thread
 * creates the memory at its full size (initial = maximum, so it never grows and
 * typed views over it never go stale; Linux commits its pages lazily),
 * instantiates the module and lays out the TLSF root; each worker instantiates
 * the module over the same memory and sets its ROOT global to that root. One
 * futex lock (bench/allocators/shared-lock.ts) serialises every alloc and free.
 */
import { readFileSync } from 'node:fs';
import type { AllocatorModule } from '../protocol.ts';
import type { MtAllocatorModule, SharedWorker } from '../mt-protocol.ts';
import { FutexLock, LockedAllocator } from './shared-lock.ts';

// The project's tsconfig has no DOM lib, so WebAssembly's constructors are typed here.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => { buffer: SharedArrayBuffer };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface TlsfExports {
  alloc(size: number): number;
  free(ptr: number): void;
  memoryBytes(): number;
}

interface TlsfSharedExports {
  alloc(size: number): number;
  free(ptr: number): void;
  init(): void;
  ROOT: { value: number };
}

interface TlsfHandle {
  readonly memory: { buffer: SharedArrayBuffer };
  readonly root: number;
  readonly lock: SharedArrayBuffer;
}

/**
 * Compiled once per thread: a pooled worker runs many of the workload's threads,
 * and each thread start (attach) only instantiates, as a C program maps its
 * allocator once per process.
 */
const compiled = new Map<string, object>();

function sharedInstance(file: string | undefined, memory: object): TlsfSharedExports {
  if (file === undefined) throw new Error('tlsf: no shared wasm file given (scripts/build-peers.mjs builds bench/peers/build/tlsf-shared.wasm)');
  let mod = compiled.get(file);
  if (mod === undefined) {
    mod = new WA.Module(readFileSync(file));
    compiled.set(file, mod);
  }
  const inst = new WA.Instance(mod, {
    env: {
      memory,
      abort(): never {
        throw new Error('tlsf: abort');
      },
    },
  });
  return inst.exports as unknown as TlsfSharedExports;
}

function lockedTlsf(ex: TlsfSharedExports, lock: SharedArrayBuffer): LockedAllocator {
  return new LockedAllocator(new FutexLock(new Int32Array(lock)), ex.alloc, ex.free);
}

const views = (b: SharedArrayBuffer): { u8: Uint8Array; u32: Uint32Array } => ({ u8: new Uint8Array(b), u32: new Uint32Array(b) });

const tlsf: MtAllocatorModule = {
  name: 'tlsf',
  create(ctx) {
    const file = ctx.files.tlsfWasm;
    if (file === undefined) throw new Error('tlsf: no wasm file given (run scripts/build-peers.mjs)');
    const mod = new WA.Module(readFileSync(file));
    const inst = new WA.Instance(mod, {
      env: {
        abort(): never {
          throw new Error('tlsf: abort');
        },
      },
    });
    const ex = inst.exports as unknown as TlsfExports;
    return {
      alloc: { malloc: ex.alloc, free: ex.free },
      stats: () => ({ wasmMemoryBytes: ex.memoryBytes() }),
    };
  },
  shared: {
    create(ctx) {
      const pages = Math.ceil(ctx.maxBytes / 65536);
      const memory = new WA.Memory({ initial: pages, maximum: pages, shared: true });
      const ex = sharedInstance(ctx.files.tlsfSharedWasm, memory);
      ex.init();
      const h: TlsfHandle = { memory, root: ex.ROOT.value, lock: new SharedArrayBuffer(4) };
      return {
        alloc: lockedTlsf(ex, h.lock),
        views: views(memory.buffer),
        handle: h,
        sharing: 'one futex lock around one TLSF over a shared WebAssembly.Memory (one instance per thread, one root)',
        stats: () => ({ wasmMemoryBytes: memory.buffer.byteLength }),
        // TLSF keeps its metadata inside the memory: mincore of the whole memory is its heap RSS.
        residency: { probe: { label: 'tlsf: its shared WebAssembly.Memory', buffer: memory.buffer, data: { offset: 0, bytes: memory.buffer.byteLength } } },
      };
    },
    attach(handle, ctx): SharedWorker {
      const h = handle as TlsfHandle;
      const ex = sharedInstance(ctx.files.tlsfSharedWasm, h.memory);
      ex.ROOT.value = h.root;
      return { alloc: lockedTlsf(ex, h.lock), views: views(h.memory.buffer), detach() {} };
    },
  },
};
export default tlsf as AllocatorModule;
