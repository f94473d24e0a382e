export interface WasmToolchain {
  clang: string;
  wasmLd: string;
  reason?: undefined;
}
/** clang (able to target wasm32) and wasm-ld, full paths (CLANG / WASM_LD env, /usr/lib/llvm-<N>/bin, PATH), or undefined. */
export function findWasmToolchain(): WasmToolchain | undefined;
/** Installs Debian's clang and lld where missing and possible; the pair or { reason }. */
export function ensureWasmToolchain(): WasmToolchain | { clang?: undefined; wasmLd?: undefined; reason: string };
export const SCRIPT: string;
