// Builds the bench peers that need a compile step:
//   bench/peers/tlsf.ts -> bench/peers/build/tlsf.wasm (AssemblyScript's TLSF, wasm)
// Called by the repository's scripts/postinstall.mjs and by the lab's prepack
// (the lab tarball ships the .wasm files); an installed lab that lacks them builds
// them under its --build-dir instead (packages/lab/src/build.ts). It must never fail the install: on any
// failure it prints a note and exits 0, and `hakozuna bench` then skips the
// peer with a note. Usage: node scripts/build-peers.mjs
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const PEER_BUILD_DIR = join(ROOT, 'bench', 'peers', 'build');
export const TLSF_WASM = join(PEER_BUILD_DIR, 'tlsf.wasm');

/** Compile the TLSF peer; returns { ok, note }. Never throws. */
export async function buildTlsfPeer(outDir = PEER_BUILD_DIR) {
  const out = join(outDir, 'tlsf.wasm');
  const src = join(ROOT, 'bench', 'peers', 'tlsf.ts');
  try {
    if (!existsSync(src)) return { ok: false, note: `missing ${src}` };
    let asc;
    try {
      asc = (await import('assemblyscript/asc')).default;
    } catch (e) {
      return { ok: false, note: `assemblyscript is not installed (${e.message}); the tlsf peer is skipped` };
    }
    mkdirSync(outDir, { recursive: true });
    const { error, stderr } = await asc.main([
      src,
      '--outFile', out,
      '--runtime', 'minimal', // TLSF + a GC that only runs on __collect(): heap.alloc/free are pure TLSF
      '-O3', '--noAssert',
      '--initialMemory', '1',
    ]);
    if (error) return { ok: false, note: `asc failed: ${error.message}\n${stderr.toString()}` };
    // Smoke check: the module loads, and free really frees (memory stays flat).
    const check = checkTlsf(readFileSync(out));
    if (!check.ok) return check;
    return { ok: true, note: `built ${out} (${check.note})` };
  } catch (e) {
    return { ok: false, note: `unexpected failure: ${e?.stack ?? e}` };
  }
}

/** Allocate/free 1M blocks in a 400-slot window: wasm memory must not grow past a few MiB. */
export function checkTlsf(bytes) {
  const mod = new WebAssembly.Module(bytes);
  const inst = new WebAssembly.Instance(mod, { env: { abort() { throw new Error('tlsf abort'); } } });
  const { alloc, free, memoryBytes } = inst.exports;
  const slots = new Uint32Array(400);
  let x = 1;
  for (let i = 0; i < 1_000_000; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const s = x % 400;
    if (slots[s] !== 0) { free(slots[s]); slots[s] = 0; }
    else slots[s] = alloc(16 + (x % 32753));
  }
  const mem = memoryBytes();
  if (mem > 64 << 20) return { ok: false, note: `free does not seem to free: wasm memory grew to ${mem} bytes` };
  return { ok: true, note: `free checked: wasm memory ${(mem / 1048576).toFixed(1)} MiB after 1M ops` };
}

export const TLSF_SHARED_WASM = join(PEER_BUILD_DIR, 'tlsf-shared.wasm');

/**
 * The multi-worker TLSF peer: bench/peers/tlsf-shared.ts against an imported
 * shared memory (up to 4 GiB), so one TLSF heap can serve several instances
 * behind a lock (the bench's multi-worker workloads). Returns { ok, note }.
 */
export async function buildTlsfSharedPeer(outDir = PEER_BUILD_DIR) {
  const out = join(outDir, 'tlsf-shared.wasm');
  const src = join(ROOT, 'bench', 'peers', 'tlsf-shared.ts');
  try {
    if (!existsSync(src)) return { ok: false, note: `missing ${src}` };
    let asc;
    try {
      asc = (await import('assemblyscript/asc')).default;
    } catch (e) {
      return { ok: false, note: `assemblyscript is not installed (${e.message}); the shared tlsf peer is skipped` };
    }
    mkdirSync(outDir, { recursive: true });
    const { error, stderr } = await asc.main([
      src,
      '--outFile', out,
      '--runtime', 'minimal',
      '-O3', '--noAssert',
      '--importMemory', '--sharedMemory', '--enable', 'threads',
      '--initialMemory', '1', '--maximumMemory', '65536',
    ]);
    if (error) return { ok: false, note: `asc failed: ${error.message}\n${stderr.toString()}` };
    return { ok: true, note: `built ${out}` };
  } catch (e) {
    return { ok: false, note: `unexpected failure: ${e?.stack ?? e}` };
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await buildTlsfPeer();
  if (r.ok) console.log(`[hakozuna] peers: ${r.note}`);
  else console.warn(`[hakozuna] peers: tlsf peer not built: ${r.note}\n[hakozuna] (the bench will skip the tlsf allocator; this does not fail the install)`);
  const rs = await buildTlsfSharedPeer();
  if (rs.ok) console.log(`[hakozuna] peers: ${rs.note}`);
  else console.warn(`[hakozuna] peers: shared tlsf peer not built: ${rs.note} (multi-worker workloads skip tlsf)`);
  process.exit(0);
}
