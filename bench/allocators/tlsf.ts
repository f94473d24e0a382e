/**
 * tlsf: AssemblyScript's TLSF memory manager compiled to wasm
 * (bench/peers/tlsf.ts, built by scripts/build-peers.mjs). The wasm exports are
 * the malloc/free the workload calls, with no JS wrapper in between.
 */
import { readFileSync } from 'node:fs';
import type { AllocatorModule } from '../../src/lab/protocol.ts';

// The project's tsconfig has no DOM lib, so WebAssembly's constructors are typed here.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface TlsfExports {
  alloc(size: number): number;
  free(ptr: number): void;
  memoryBytes(): number;
}

const tlsf: AllocatorModule = {
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
};
export default tlsf;
