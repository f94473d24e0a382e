/**
 * The OS release boundary: the one place where hakozuna gives arena pages back to the
 * operating system (docs/RELEASE.md). Like mimalloc's os layer, it knows nothing
 * of heaps, segments or runs; it takes a byte range of the arena and returns the OS
 * pages that lie wholly inside it.
 *
 * Contract of `osRelease(view, byteOffset, byteLength)`:
 * - `byteOffset` is relative to the start of `view.buffer` (a heap pointer), not to
 *   `view.byteOffset`; the range must lie inside the buffer.
 * - The CALLER guarantees that no live data is in the range and that no other thread
 *   reads or writes it during the call. The range may be any size and alignment.
 * - Only OS pages wholly inside the range are released: the start is rounded UP and
 *   the end DOWN to OS page boundaries (accounting for `arenaPageOffset`), so no byte
 *   outside the range ever changes. On a buffer whose data is not page-aligned (a
 *   plain SharedArrayBuffer starts 16 bytes into a page) a single 4 KiB heap page
 *   therefore releases nothing; create the arena as
 *   `new SharedArrayBuffer(max, { maxByteLength: max })`, which is page-aligned.
 * - Returns the bytes released to the OS. In 'madvise' mode the released pages stop
 *   counting towards RSS and read back as zero (they are committed again, zeroed, at
 *   first touch, ~13 µs per page). Bytes of the range outside those pages keep their
 *   contents. In 'record-only' mode nothing changes in memory and it returns 0: the
 *   allocator still books the range as released, but not as known-zero.
 * - Bad arguments throw TypeError/RangeError; a failing madvise throws an Error whose
 *   code is ERR_HAKOZUNA_MADVISE and whose message carries the errno text.
 *
 * Modes: 'madvise' when native/build/Release/hakozuna_release.node (built at install
 * by scripts/build-native.mjs) loads; 'record-only' otherwise, with the reason in
 * `releaseModeReason`. Finding and loading the addon is the platform layer's job
 * (src/platform/node.ts: HAKOZUNA_NO_ADDON=1 forces record-only, HAKOZUNA_ADDON=<path>
 * names the addon, else the package this code is in or a node_modules/hakozuna above
 * it); in a browser (src/platform/browser.ts) the mode is always 'record-only'. The
 * addon is context-aware, so this module can be imported in every worker_thread;
 * each thread loads its own instance.
 */
import { loadReleaseAddon, warnOnce } from './index.ts';

export type ReleaseMode = 'madvise' | 'record-only';

const loaded = loadReleaseAddon();
const addon = loaded.addon;

/** 'madvise': pages really go back to the OS. 'record-only': the allocator only books them. */
export const releaseMode: ReleaseMode = addon ? 'madvise' : 'record-only';
/** Why the mode is 'record-only' ('' in 'madvise' mode). */
export const releaseModeReason: string = loaded.reason;
/** The addon file that was loaded (or failed to load), null if none was found. */
export const addonPath: string | null = loaded.path;
/** OS page size from sysconf; 4096 assumed in 'record-only' mode. */
export const osPageSize: number = addon ? addon.pageSize() : 4096;

/**
 * How many bytes into an OS page the data of `view.buffer` starts: 0 for a growable
 * SharedArrayBuffer created with initial == max size, 16 for a plain one (glibc
 * header). NaN in 'record-only' mode: unknown, and it does not matter there.
 */
export function arenaPageOffset(view: Uint8Array): number {
  return addon ? addon.alignmentOffset(view) : NaN;
}

/** Same checks as the addon, so both modes reject the same calls. */
function check(view: Uint8Array, byteOffset: number, byteLength: number): void {
  if (!ArrayBuffer.isView(view) || view instanceof DataView) {
    throw new TypeError('view must be a typed array over the arena');
  }
  for (const [name, v] of [['byteOffset', byteOffset], ['byteLength', byteLength]] as const) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw new TypeError(`${name} must be a non-negative integer`);
    }
  }
  if (byteOffset + byteLength > view.buffer.byteLength) {
    throw new RangeError('byteOffset + byteLength exceeds the buffer');
  }
}

/**
 * Returns the OS pages wholly inside [byteOffset, byteOffset + byteLength) of
 * `view.buffer` to the OS; returns the bytes released (0 in 'record-only' mode).
 * See the contract at the top of this file.
 */
export function osRelease(view: Uint8Array, byteOffset: number, byteLength: number): number {
  if (addon) return addon.release(view, byteOffset, byteLength);
  check(view, byteOffset, byteLength);
  return 0;
}

/**
 * OS pages wholly inside [byteOffset, byteOffset + byteLength) of the view's buffer
 * that are resident now (mincore). A measuring tool: "pages touched" of a region,
 * as the OS sees it. NaN in record-only mode (no addon to ask).
 */
export function osResidentPages(view: Uint8Array, byteOffset: number, byteLength: number): number {
  if (addon) return addon.residentPages(view, byteOffset, byteLength);
  check(view, byteOffset, byteLength);
  return NaN;
}

/**
 * Called by createHeap: in record-only mode, one line on stderr per thread that
 * creates a heap, with the reason (not when record-only was asked for with
 * HAKOZUNA_NO_ADDON=1, nor in a browser, where it is the only mode).
 * HAKOZUNA_QUIET=1 silences it; stats().releaseModeReason always has the reason.
 */
export function noteReleaseMode(): void {
  if (addon === null && loaded.warn) {
    warnOnce('release-mode', `[hakozuna] releases are record-only (${loaded.reason}); freed pages stay resident. HAKOZUNA_QUIET=1 silences this line.`);
  }
}
