/**
 * The public heap: createHeap (reserve and lay out an arena, or place one in a
 * region of the caller's buffer, and attach this thread) and attachHeap
 * (attach another thread to an existing arena).
 */
import './wiring.ts'; // the lane's boxes and observers, into the heap's hooks
import { Arena } from '../heap/arena.ts';
import {
  computeLayout, DEFAULT_ARENA_BYTES, DEFAULT_MAX_THREADS, HEAP_MAGIC, H_ARENA_PAGES, H_FIRST_DATA_SEGMENT, H_FRESH_SEGMENT,
  H_LANE_FINGERPRINT, H_BUILD_ID, H_LANE_NAME_BYTE, H_LANE_NAME_MAX, H_MAGIC, H_MAX_THREADS, H_RESIDENT_PAGES,
  H_SEGMENTS, H_SEGMENTS_OPEN, H_VERSION, LAYOUT_VERSION, MAX_ARENA_BYTES, MAX_THREADS_LIMIT, MIN_ARENA_BYTES, PAGE_SIZE,
  SEGMENT_SIZE, SLOT_BYTES, H_HEAP_ID, H_DEAD_SLOTS, H_EPOCH, H_TIME_ORIGIN_F64, H_LOCKS_STOLEN, H_RELEASED_PAGES_TOTAL, H_RELEASE_CALLS_TOTAL,
} from '../heap/layout.ts';
import { NUM_BINS, MAX_SMALL_SIZE, MAX_MEDIUM_SIZE, DEFAULT_THREAD_CACHE_BYTES } from '../heap/size-classes.ts';
import { ThreadHeap, type OnExhausted, type ThreadOptions } from '../heap/thread-cache.ts';
import { mallocLarge } from '../heap/large.ts';
import { alignedMediumSize } from '../heap/medium-runs.ts';
import { checkLive, usableOf } from '../heap/checks.ts';
import { isLiveBlock } from '../heap/liveness.ts';
import { resetHeap, refuseIfOthersAttached } from '../heap/reset.ts';
import { heapAccount } from '../heap/account.ts';
import { honourReclaim, reclaimAsked, returnToSegments } from '../heap/reclaim.ts';
import { checkHeap, type HeapCheck } from '../heap/verify.ts';
import { claimSlot, detachSlot, markDeadByThreadId, adoptDeadSlots, expireLeases, refreshLease, returnSlotState } from '../heap/threads.ts';
import { newTally, osResidentBytes, releaseFreeRuns, zeroRange } from '../heap/release.ts';
import { flushRemoteRing } from '../heap/remote.ts';
import { epochByTime, onEpoch } from '../boxes/epoch.ts';
import { BOXES, counterBase } from '../observe/counters.ts';
import { collectReport, type HeapReport } from '../observe/report.ts';
import { RSS_BREAKDOWN, breakdownSamples, rssBreakdown, type BreakdownSample, type RssBreakdown } from '../observe/rss-breakdown.ts';
import { HeapError, show } from '../base/errors.ts';
import { noteReleaseMode, releaseMode, releaseModeReason } from '../platform/release.ts';
import { threadId, isMainThread, env, onExit, offExit, writeStderr, requireSharedMemory, watchWorker, type WatchableWorker } from '../platform/index.ts';

export interface HeapOptions {
  /** Bytes reserved for the arena (rounded up to 1 MiB; 2 MiB .. 4 GiB, the metadata included: docs/ARCHITECTURE.md). Default 1 GiB. Pages are committed lazily. Not with `buffer`. */
  maxBytes?: number;
  /**
   * Place the heap in a region of this buffer instead of making one: a
   * SharedArrayBuffer (a shared WebAssembly.Memory's `buffer` too), or an
   * ArrayBuffer for a heap only this thread uses. Pointers are byte offsets
   * into this buffer. The heap takes the whole MiBs of [byteOffset,
   * byteOffset + byteLength) from its first 4 KiB boundary (`heap.region`
   * says which) and never touches a byte outside them (docs/ARCHITECTURE.md, "Regions").
   */
  buffer?: SharedArrayBuffer | ArrayBuffer;
  /** With `buffer`: where the region starts. Default 0. */
  byteOffset?: number;
  /** With `buffer`: the region's length. Default: the rest of the buffer. */
  byteLength?: number;
  /** Threads that may be attached at once (1..255). Default 64. */
  maxThreads?: number;
  /** What malloc does when the arena is full: throw a HeapError (default) or return 0 like C. */
  onExhausted?: OnExhausted;
  /**
   * Most bytes this thread's cache may hold (free blocks kept for reuse, which
   * no other thread can use until this one gives them back). Default: every
   * size class at its full cap, 10,589,680 bytes; the exact bound is
   * `stats().threadCacheBoundBytes` (at least one block per class, 279,552 bytes).
   */
  threadCacheBytes?: number;
}

export interface AttachOptions {
  onExhausted?: OnExhausted;
  /** As in HeapOptions: the bound of this thread's cache in bytes. */
  threadCacheBytes?: number;
}

/** What `createHeap` gives and `postMessage` / `workerData` can carry to a worker. */
export interface HeapHandle {
  readonly kind: 'hakozuna-heap';
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  /** Where the heap starts in `buffer` (0 unless it is a region of a caller's buffer). */
  readonly byteOffset: number;
  /** The heap's bytes from byteOffset (= maxBytes). */
  readonly byteLength: number;
  readonly maxBytes: number;
  readonly maxThreads: number;
  readonly lane: string;
}

export interface HeapStats {
  /** Lane the heap (and this bundle) was built with. */
  lane: string;
  /** How page releases reach the OS: 'madvise' (addon) or 'record-only'. */
  releaseMode: string;
  releaseModeReason: string;
  arenaBytes: number;
  metadataBytes: number;
  dataBytes: number;
  segmentsTotal: number;
  segmentsOpen: number;
  /** Usable bytes of live blocks (class sizes; page runs for large blocks). */
  bytesInUse: number;
  /** Of which large runs. */
  largeBytes: number;
  /** Free blocks held in thread caches, remote rings, inboxes and central pools. */
  cachedBytes: number;
  /** Data pages the allocator has handed out and not released, in bytes (its own RSS account). */
  residentBytes: number;
  /** Pages and calls released to the OS since the heap was created. */
  releasedPagesTotal: number;
  releaseCallsTotal: number;
  /** Threads attached now. */
  threads: number;
  /** Live blocks: small, medium and large. */
  liveBlocks: number;
  /** Free blocks in caches, remote rings, inboxes and central (cachedBytes of them). */
  cachedBlocks: number;
  epoch: number;
  /** The most bytes this thread's cache can hold (from the threadCacheBytes option). */
  threadCacheBoundBytes: number;
}

/** The per-thread options of createHeap and attachHeap, checked. */
function threadOptions(o: { onExhausted?: unknown; threadCacheBytes?: unknown }, op: string): ThreadOptions {
  const onExhausted = o.onExhausted ?? 'throw';
  if (onExhausted !== 'throw' && onExhausted !== 'null') throw new HeapError('EINVAL', `${op}: onExhausted must be 'throw' or 'null', got ${show(onExhausted)}`);
  const threadCacheBytes = o.threadCacheBytes ?? DEFAULT_THREAD_CACHE_BYTES;
  if (typeof threadCacheBytes !== 'number' || !Number.isSafeInteger(threadCacheBytes) || threadCacheBytes < 0) {
    throw new HeapError('EINVAL', `${op}: threadCacheBytes must be a non-negative integer, got ${show(threadCacheBytes)}`);
  }
  return { onExhausted, threadCacheBytes };
}

/** An options argument: undefined (the defaults) or an object. */
function optionsObject<T extends object>(o: T | undefined | null, op: string): T | Record<string, never> {
  if (o === undefined) return {};
  if (o === null || typeof o !== 'object') throw new HeapError('EINVAL', `${op}: options must be an object, got ${show(o)}`);
  return o;
}

/** The largest buffer a heap can live in: pointers are u32 byte offsets into it (a full wasm32 memory). */
const MAX_BUFFER_BYTES = 2 ** 32;

/** Where a heap's bytes are: `arenaBytes` from byte `base` of `buffer`. */
interface Region {
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  readonly base: number;
  readonly arenaBytes: number;
}

const isShared = (b: unknown): b is SharedArrayBuffer => typeof SharedArrayBuffer === 'function' && b instanceof SharedArrayBuffer;

/** The region of createHeap's options: a new buffer of maxBytes, or the whole MiBs of the caller's region; EINVAL names a bad value. */
function regionOf(options: HeapOptions): Region {
  const { buffer } = options;
  if (buffer === undefined) {
    requireSharedMemory('createHeap');
    for (const k of ['byteOffset', 'byteLength'] as const) {
      if (options[k] !== undefined) throw new HeapError('EINVAL', `createHeap: ${k} places a heap in a caller's buffer; give buffer too (got ${k} ${show(options[k])} without it)`);
    }
    const requested = options.maxBytes ?? DEFAULT_ARENA_BYTES;
    if (typeof requested !== 'number' || !Number.isInteger(requested) || requested < MIN_ARENA_BYTES || requested > MAX_ARENA_BYTES) {
      throw new HeapError('EINVAL', `maxBytes must be an integer in [${MIN_ARENA_BYTES}, ${MAX_ARENA_BYTES}], got ${show(requested)}`);
    }
    const arenaBytes = Math.ceil(requested / SEGMENT_SIZE) * SEGMENT_SIZE;
    // A growable SAB whose initial size is its maximum starts page aligned and commits lazily (measured: docs/RELEASE.md, "Alignment").
    return { buffer: new SharedArrayBuffer(arenaBytes, { maxByteLength: arenaBytes }), base: 0, arenaBytes };
  }
  if (!isShared(buffer) && !(buffer instanceof ArrayBuffer)) {
    throw new HeapError('EINVAL', `createHeap: buffer must be a SharedArrayBuffer or an ArrayBuffer, got ${show(buffer)}`);
  }
  if (options.maxBytes !== undefined) {
    throw new HeapError('EINVAL', `createHeap: maxBytes (${show(options.maxBytes)}) sizes a heap that makes its own buffer; with buffer, give byteOffset and byteLength`);
  }
  const size = buffer.byteLength;
  if (size > MAX_BUFFER_BYTES) {
    throw new HeapError('EINVAL', `createHeap: buffer has ${size} bytes; pointers are 32-bit byte offsets, so a heap's buffer has at most ${MAX_BUFFER_BYTES} (4 GiB)`);
  }
  const byteOffset = options.byteOffset ?? 0;
  if (typeof byteOffset !== 'number' || !Number.isSafeInteger(byteOffset) || byteOffset < 0 || byteOffset > size) {
    throw new HeapError('EINVAL', `createHeap: byteOffset must be an integer in [0, ${size}] (the buffer's length), got ${show(byteOffset)}`);
  }
  const byteLength = options.byteLength ?? size - byteOffset;
  if (typeof byteLength !== 'number' || !Number.isSafeInteger(byteLength) || byteLength < 0 || byteOffset + byteLength > size) {
    throw new HeapError('EINVAL', `createHeap: byteLength must be an integer in [0, ${size - byteOffset}] (the buffer's ${size} bytes from byteOffset ${byteOffset}), got ${show(byteLength)}`);
  }
  const base = Math.ceil(byteOffset / PAGE_SIZE) * PAGE_SIZE;
  const end = byteOffset + byteLength;
  const arenaBytes = Math.min(MAX_ARENA_BYTES, Math.floor(Math.max(0, end - base) / SEGMENT_SIZE) * SEGMENT_SIZE);
  if (arenaBytes < MIN_ARENA_BYTES) {
    throw new HeapError(
      'EINVAL',
      `createHeap: the region [${byteOffset}, ${end}) holds ${arenaBytes / SEGMENT_SIZE} whole MiB from its first 4 KiB boundary (${base}); a heap needs at least ${MIN_ARENA_BYTES} bytes (${MIN_ARENA_BYTES / SEGMENT_SIZE} MiB)`,
    );
  }
  refuseOverlap({ buffer, base, arenaBytes });
  return { buffer, base, arenaBytes };
}

/**
 * The heaps this thread made or attached to: where each starts, its size and
 * its id (H_HEAP_ID, random at creation). With the header marker (HEAP_MAGIC
 * at a heap's first word) they refuse a new heap over a live one: a region
 * that overlaps a heap listed here whose marker and id are still at its start
 * in the new region's buffer, or a region that starts on any heap's header
 * (made by any thread). Matching by id, not by buffer object, still sees a
 * heap after a WebAssembly.Memory grew (memory.buffer is then a new object
 * over the same bytes). A heap another thread made elsewhere inside the
 * region is not seen.
 */
/** By id: where each heap starts and its size. */
const knownHeaps = new Map<number, { readonly base: number; readonly arenaBytes: number }>();

/** The magic and id words at byte `base` of `buffer`, or undefined where the buffer ends before them. */
function headerAt(buffer: SharedArrayBuffer | ArrayBuffer, base: number): { magic: number; id: number; arenaBytes: number } | undefined {
  if (base + PAGE_SIZE > buffer.byteLength) return undefined;
  const u32 = new Uint32Array(buffer, base, PAGE_SIZE / 4);
  return { magic: Atomics.load(u32, H_MAGIC), id: u32[H_HEAP_ID], arenaBytes: u32[H_ARENA_PAGES] * PAGE_SIZE };
}

function refuseOverlap(r: Region): void {
  const overlap = (o: { base: number; arenaBytes: number }): HeapError =>
    new HeapError(
      'EOVERLAP',
      `createHeap: the region [${r.base}, ${r.base + r.arenaBytes}) overlaps the heap at [${o.base}, ${o.base + o.arenaBytes}) of this buffer; place it elsewhere, or destroy() that heap first`,
    );
  for (const [id, o] of knownHeaps) {
    if (o.base >= r.base + r.arenaBytes || r.base >= o.base + o.arenaBytes) continue;
    const h = headerAt(r.buffer, o.base);
    if (h !== undefined && h.magic === HEAP_MAGIC && h.id === id) throw overlap(o);
  }
  const h = headerAt(r.buffer, r.base);
  if (h !== undefined && h.magic === HEAP_MAGIC) throw overlap({ base: r.base, arenaBytes: h.arenaBytes });
}

function remember(arena: Arena): void {
  knownHeaps.set(arena.u32[H_HEAP_ID], { base: arena.base, arenaBytes: arena.layout.arenaBytes });
}

/** Reserve an arena (or take the caller's region), lay it out, and attach the calling thread. */
export function createHeap(options?: HeapOptions): Heap {
  options = optionsObject(options, 'createHeap');
  const maxThreads = options.maxThreads ?? DEFAULT_MAX_THREADS;
  if (typeof maxThreads !== 'number' || !Number.isInteger(maxThreads) || maxThreads < 1 || maxThreads > MAX_THREADS_LIMIT) {
    throw new HeapError('EINVAL', `maxThreads must be an integer in [1, ${MAX_THREADS_LIMIT}], got ${show(maxThreads)}`);
  }
  const thread = threadOptions(options, 'createHeap');
  const region = regionOf(options);
  const { arenaBytes } = region;
  const L = computeLayout(arenaBytes, maxThreads, NUM_BINS);
  if (L.firstDataSegment >= L.segments) {
    const [what, raise] = options.buffer === undefined ? [`maxBytes ${arenaBytes}`, 'maxBytes'] : [`the region of ${arenaBytes} bytes`, 'the region'];
    throw new HeapError('EINVAL', `${what} leaves no data segment after ${L.metaBytes} bytes of metadata for ${maxThreads} threads; raise ${raise} to ${L.metaBytes + SEGMENT_SIZE} or lower maxThreads (each takes ${SLOT_BYTES} bytes)`);
  }
  const arena = new Arena(region.buffer, region.base, arenaBytes, maxThreads);
  const u32 = arena.u32;
  // A caller's region may hold anything: the metadata starts zeroed, as in a new buffer (by release where the OS can, so
  // it is not all committed at once), and no data page is known to be zero.
  if (options.buffer !== undefined) {
    zeroRange(arena, 0, L.metaBytes);
    arena.pageBits(arena.dirtyWord, L.metaBytes / PAGE_SIZE, L.arenaPages - L.metaBytes / PAGE_SIZE, true);
  }
  u32[H_VERSION] = LAYOUT_VERSION;
  u32[H_LANE_FINGERPRINT] = HZ3_LANE_FINGERPRINT;
  u32[H_BUILD_ID] = HZ3_BUILD_ID;
  u32[H_ARENA_PAGES] = L.arenaPages;
  u32[H_MAX_THREADS] = maxThreads;
  u32[H_SEGMENTS] = L.segments;
  u32[H_FIRST_DATA_SEGMENT] = L.firstDataSegment;
  u32[H_FRESH_SEGMENT] = L.firstDataSegment;
  arena.f64[H_TIME_ORIGIN_F64 >>> 1] = Date.now();
  const lane = new TextEncoder().encode(HZ3_LANE.slice(0, H_LANE_NAME_MAX));
  arena.u8.set(lane, H_LANE_NAME_BYTE);
  u32[H_HEAP_ID] = (Math.random() * 2 ** 32) >>> 0;
  Atomics.store(u32, H_MAGIC, HEAP_MAGIC);
  remember(arena);
  let heap: Heap;
  try {
    heap = new Heap(arena, thread);
  } catch (e) {
    // Nothing made: the region is the caller's again (no marker for createHeap to refuse a retry on).
    Atomics.store(u32, H_MAGIC, 0);
    knownHeaps.delete(u32[H_HEAP_ID]);
    throw e;
  }
  noteReleaseMode();
  if (Object.keys(BOXES).length > 0 && env('HAKOZUNA_STATS') !== '0') reportAtExit(heap);
  return heap;
}

/** Heaps this thread created whose one-shot lines are printed at exit (lanes with boxes only). */
const reportedHeaps = new Set<Heap>();

/** One-shot statistics: the creating thread prints every enabled box's line once, at exit (one listener for all heaps). */
function reportAtExit(heap: Heap): void {
  if (!exitReportHooked) {
    exitReportHooked = true; // once, not whenever the set is empty: destroy() empties it
    onExit(() => {
      for (const h of reportedHeaps) for (const line of h.report().lines) writeStderr(line + '\n');
    });
  }
  reportedHeaps.add(heap);
}
let exitReportHooked = false;

/** Attach the calling thread (typically a worker) to a heap made by createHeap elsewhere. */
export function attachHeap(handle: HeapHandle, options?: AttachOptions): Heap {
  requireSharedMemory('attachHeap');
  const thread = threadOptions(optionsObject(options, 'attachHeap'), 'attachHeap');
  return new Heap(openArena(handle, 'attachHeap'), thread);
}

/**
 * Attach the calling thread to the heap that starts at `byteOffset` of a
 * buffer this thread holds, a plain ArrayBuffer too (for hakozuna/pool's
 * `skipInitialization`: a second pool over a buffer that holds one). Unlike a
 * handle, the buffer object here is the one the heap is in, not a copy.
 * @internal
 */
export function attachInThisThread(buffer: SharedArrayBuffer | ArrayBuffer, byteOffset: number, options?: AttachOptions): Heap {
  const thread = threadOptions(optionsObject(options, 'attachHeap'), 'attachHeap');
  const handle = { kind: 'hakozuna-heap', buffer, byteOffset } as unknown as HeapHandle;
  return new Heap(openArena(handle, 'attachHeap', true), thread);
}

/**
 * The RSS breakdown of a heap, from any thread and without attaching (no slot
 * is taken): for samplers and tools that watch a heap others use. Read-only.
 */
export function rssBreakdownOf(handle: HeapHandle): RssBreakdown {
  return rssBreakdown(openArena(handle, 'rssBreakdownOf'));
}

/**
 * An Arena over the heap a handle names, once its header is checked; HeapErrors
 * name what is wrong. A plain ArrayBuffer only with `plainOk` (this thread's own buffer).
 */
function openArena(handle: HeapHandle, op: string, plainOk = false): Arena {
  if (handle === null || typeof handle !== 'object' || !(isShared(handle.buffer) || handle.buffer instanceof ArrayBuffer)) {
    throw new HeapError('EHANDLE', `${op}: expected the handle from createHeap (heap.handle), got ${show(handle)}`);
  }
  const buffer = handle.buffer;
  if (!isShared(buffer) && !plainOk) {
    throw new HeapError('EHANDLE', `${op}: the heap is in an ArrayBuffer, which only the thread that made it can use; place it in a SharedArrayBuffer to share it`);
  }
  if (buffer.byteLength < MIN_ARENA_BYTES) {
    throw new HeapError('EHANDLE', `${op}: the handle's buffer has ${buffer.byteLength} bytes, less than the smallest heap (${MIN_ARENA_BYTES})`);
  }
  const base = handle.byteOffset ?? 0;
  if (typeof base !== 'number' || !Number.isInteger(base) || base < 0 || base % PAGE_SIZE !== 0 || base + MIN_ARENA_BYTES > buffer.byteLength) {
    throw new HeapError('EHANDLE', `${op}: the handle's byteOffset must be a multiple of ${PAGE_SIZE} with a heap's ${MIN_ARENA_BYTES} bytes after it in the buffer's ${buffer.byteLength}, got ${show(base)}`);
  }
  const u32 = new Uint32Array(buffer, base, 1024);
  if (Atomics.load(u32, H_MAGIC) !== HEAP_MAGIC) {
    throw new HeapError('EHANDLE', `${op}: the buffer does not hold a hakozuna heap (no heap header at offset ${base})`);
  }
  if (u32[H_VERSION] !== LAYOUT_VERSION) {
    throw new HeapError('EHANDLE', `${op}: the heap has layout version ${u32[H_VERSION]}, this bundle reads version ${LAYOUT_VERSION}`);
  }
  if (u32[H_LANE_FINGERPRINT] !== HZ3_LANE_FINGERPRINT) {
    // Copied first: browsers refuse to decode straight from a view on a growable SharedArrayBuffer.
    const name = new TextDecoder().decode(new Uint8Array(buffer, base + H_LANE_NAME_BYTE, H_LANE_NAME_MAX).slice()).replace(/\0+$/, '');
    throw new HeapError(
      'ELANE',
      `${op}: the heap was built by lane "${name}" (fingerprint ${u32[H_LANE_FINGERPRINT]}) but this bundle is lane "${HZ3_LANE}" (fingerprint ${HZ3_LANE_FINGERPRINT}); load the same lane's bundle in every thread`,
    );
  }
  if (u32[H_BUILD_ID] !== HZ3_BUILD_ID) {
    const hex = (n: number): string => n.toString(16).padStart(8, '0');
    throw new HeapError(
      'EBUILD',
      `${op}: the heap was made by another build of hakozuna (source ${hex(u32[H_BUILD_ID])}) than this bundle (source ${hex(HZ3_BUILD_ID)}); every thread must load the same build`,
    );
  }
  const arenaBytes = checkedHeader(u32, handle.byteLength, buffer.byteLength - base, op);
  const arena = new Arena(buffer, base, arenaBytes, u32[H_MAX_THREADS]);
  remember(arena);
  return arena;
}

/**
 * The arena size a header describes, once every field agrees with the handle
 * (`expected` bytes, when it says), the buffer (`available` bytes from the
 * heap's start) and the layout; EHANDLE otherwise.
 */
function checkedHeader(u32: Uint32Array, expected: number | undefined, available: number, op: string): number {
  const bad = (what: string): HeapError => new HeapError('EHANDLE', `${op}: corrupt heap header: ${what}`);
  const arenaBytes = u32[H_ARENA_PAGES] * PAGE_SIZE;
  if (expected !== undefined && arenaBytes !== expected) throw bad(`it describes ${arenaBytes} bytes, the handle's region has ${show(expected)}`);
  if (arenaBytes > available) throw bad(`it describes ${arenaBytes} bytes, the buffer has ${available} from the heap's start`);
  if (arenaBytes < MIN_ARENA_BYTES || arenaBytes > MAX_ARENA_BYTES || arenaBytes % SEGMENT_SIZE !== 0) {
    throw bad(`arena size ${arenaBytes} is not a whole number of 1 MiB segments in [${MIN_ARENA_BYTES}, ${MAX_ARENA_BYTES}]`);
  }
  const maxThreads = u32[H_MAX_THREADS];
  if (maxThreads < 1 || maxThreads > MAX_THREADS_LIMIT) throw bad(`maxThreads ${maxThreads} is not in [1, ${MAX_THREADS_LIMIT}]`);
  const layout = computeLayout(arenaBytes, maxThreads, NUM_BINS);
  if (u32[H_SEGMENTS] !== layout.segments) throw bad(`${u32[H_SEGMENTS]} segments, where ${arenaBytes} bytes make ${layout.segments}`);
  if (u32[H_FIRST_DATA_SEGMENT] !== layout.firstDataSegment || layout.firstDataSegment >= layout.segments) {
    throw bad(`first data segment ${u32[H_FIRST_DATA_SEGMENT]}, where the layout puts it at ${layout.firstDataSegment}`);
  }
  const fresh = u32[H_FRESH_SEGMENT];
  if (fresh < layout.firstDataSegment || fresh > layout.segments) throw bad(`next fresh segment ${fresh} is outside the data segments`);
  return arenaBytes;
}

const detachedError = (op: string): HeapError => new HeapError('EDETACHED', `${op}: this heap was detached from this thread`);

export class Heap {
  /** Allocate `size` bytes (16-byte aligned); returns a pointer (byte offset), never 0 unless onExhausted is 'null'. */
  malloc: (size: number) => number;
  /** Free a pointer from this heap; free(0) does nothing. */
  free: (ptr: number) => void;

  /** The whole buffer the heap is in; pointers are byte offsets into it, and the views below span all of it. */
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  readonly u8: Uint8Array;
  readonly i8: Int8Array;
  readonly u16: Uint16Array;
  readonly i16: Int16Array;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly f32: Float32Array;
  readonly f64: Float64Array;
  readonly i64: BigInt64Array;
  readonly u64: BigUint64Array;
  readonly handle: HeapHandle;

  /** @internal */ readonly arena: Arena;
  /** @internal */ readonly thread: ThreadHeap;

  /** @internal use createHeap / attachHeap */
  constructor(arena: Arena, options: ThreadOptions) {
    this.arena = arena;
    const b = arena.buffer;
    this.buffer = b;
    // Over the whole buffer (a caller's may be any length: each view covers the whole elements it holds).
    const n = b.byteLength;
    this.u8 = new Uint8Array(b, 0, n);
    this.i8 = new Int8Array(b, 0, n);
    this.u16 = new Uint16Array(b, 0, Math.floor(n / 2)); // not n >>> 1: a full 4 GiB wasm memory has n = 2^32
    this.i16 = new Int16Array(b, 0, Math.floor(n / 2));
    this.u32 = new Uint32Array(b, 0, Math.floor(n / 4));
    this.i32 = new Int32Array(b, 0, Math.floor(n / 4));
    this.f32 = new Float32Array(b, 0, Math.floor(n / 4));
    this.f64 = new Float64Array(b, 0, Math.floor(n / 8));
    this.i64 = new BigInt64Array(b, 0, Math.floor(n / 8));
    this.u64 = new BigUint64Array(b, 0, Math.floor(n / 8));
    const { arenaBytes, maxThreads } = arena.layout;
    this.handle = Object.freeze({ kind: 'hakozuna-heap', buffer: b, byteOffset: arena.base, byteLength: arenaBytes, maxBytes: arenaBytes, maxThreads, lane: HZ3_LANE });
    const slot = claimSlot(arena, threadId);
    this.thread = new ThreadHeap(arena, slot, arena.slotWord(slot), options);
    this.malloc = this.thread.hot.malloc;
    this.free = this.thread.hot.free;
    // The lease says "alive" even while this thread makes no refills; an idle
    // thread answers reclaim requests here (its cache goes back to central).
    this.heartbeat = setInterval(() => {
      refreshLease(arena, this.thread.slotWord);
      if (reclaimAsked(arena, this.thread.slotWord)) honourReclaim(arena, this.thread.slot);
      if (HZ3_EPOCH_MS) epochByTime(this.thread);
    }, HEARTBEAT_MS);
    this.heartbeat.unref?.();
    if (!isMainThread) {
      // A worker that ends (or dies of an uncaught error) attached gives its state back.
      this.onThreadExit = () => this.detach();
      onExit(this.onThreadExit);
    }
  }

  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private onThreadExit: (() => void) | undefined;
  private detached = false;

  /** This thread's slot (0-based). */
  get slot(): number {
    return this.thread.slot;
  }

  /** The bytes of `buffer` the heap is in: every pointer lies inside, and no byte outside is touched. */
  get region(): { byteOffset: number; byteLength: number } {
    return { byteOffset: this.arena.base, byteLength: this.arena.layout.arenaBytes };
  }

  /** Throw EDETACHED when this object no longer holds a thread slot. */
  private attached(op: string): ThreadHeap {
    if (this.detached) throw detachedError(op);
    return this.thread;
  }

  /** Allocate `count * size` bytes, zeroed (large blocks skip pages known to be zero: fresh or released). */
  calloc(count: number, size: number): number {
    const t = this.attached('calloc');
    checkSize(count, 'calloc: count');
    checkSize(size, 'calloc: size');
    const total = count * size;
    if (!Number.isSafeInteger(total)) throw new HeapError('ESIZE', `calloc: ${show(count)} * ${show(size)} overflows`);
    if (total > MAX_MEDIUM_SIZE) return mallocLarge(t, total, 1, true);
    const p = this.malloc(total);
    if (p !== 0) this.u8.fill(0, p, p + total);
    return p;
  }

  /**
   * Resize the block at `ptr` to `size` bytes, keeping its contents. In place when
   * the new size still fits the block and uses more than half of it; otherwise
   * a new block, a copy, and a free. realloc(0, n) is malloc(n). On exhaustion
   * with onExhausted 'null', returns 0 and leaves `ptr` untouched.
   */
  realloc(ptr: number, size: number): number {
    this.attached('realloc');
    checkSize(size, 'realloc: size');
    if (ptr === 0) return this.malloc(size);
    const tag = checkLive(this.arena, ptr, 'realloc');
    const usable = usableOf(this.arena, ptr, tag);
    if (size <= usable && (size * 2 > usable || usable === 16)) return ptr;
    const q = this.malloc(size);
    if (q === 0) return 0;
    this.u8.copyWithin(q, ptr, ptr + Math.min(size, usable));
    this.free(ptr);
    return q;
  }

  /** Allocate `size` bytes at a multiple of `alignment` (a power of two, 1 .. 1 MiB) in the buffer. */
  alignedAlloc(alignment: number, size: number): number {
    const t = this.attached('alignedAlloc');
    if (typeof alignment !== 'number' || !Number.isInteger(alignment) || alignment < 1 || alignment > SEGMENT_SIZE || (alignment & (alignment - 1)) !== 0) {
      throw new HeapError('EALIGN', `alignedAlloc: alignment must be a power of two in [1, ${SEGMENT_SIZE}], got ${show(alignment)}`);
    }
    checkSize(size, 'alignedAlloc: size');
    if (alignment <= 16) return this.malloc(size);
    // Small classes are multiples of 16 carved from page starts: a class that is a
    // multiple of the alignment yields aligned objects. Medium runs are page aligned
    // (S57: objects lie end to end in page-aligned runs, so ask for a class that is a multiple of the alignment).
    const rounded = Math.ceil(Math.max(size, 1) / alignment) * alignment;
    if (rounded <= MAX_SMALL_SIZE) return this.malloc(rounded);
    if (alignment <= PAGE_SIZE && size <= MAX_MEDIUM_SIZE) {
      return this.malloc(HZ3_S57_MEDIUM_FINE_CLASSES ? alignedMediumSize(size, alignment) : Math.max(size, MAX_SMALL_SIZE + 1));
    }
    return mallocLarge(t, Math.max(size, 1), Math.max(1, Math.min(alignment / PAGE_SIZE, 256)), false);
  }

  /**
   * True when `ptr` is a live block of this heap (a pointer malloc returned and
   * free has not taken back). Never throws, in every lane; in the fast lane,
   * which keeps no live marks, it walks the free lists: slow, and exact only
   * while no other thread allocates or frees (src/heap/liveness.ts). Read-only.
   */
  isLive(ptr: number): boolean {
    return isLiveBlock(this.arena, ptr);
  }

  /**
   * Free every block at once (thi.ng's freeAll). Every other thread must have
   * detached (EBUSY names the ones still attached; dead ones are adopted
   * first). Pointers from before are all invalid afterwards. Returns the live
   * blocks it freed.
   */
  reset(): number {
    const t = this.attached('reset');
    if (Atomics.load(this.arena.u32, H_DEAD_SLOTS) !== 0) adoptDeadSlots(t);
    const freed = resetHeap(this.arena, t.slot);
    // Live large requests in the breakdown's counters are gone with their blocks.
    if (HZ3_RSS_BREAKDOWN_OBSERVE) for (let s = 0; s < this.arena.layout.maxThreads; s++) this.arena.f64[counterBase(this.arena.slotWord(s)) + RSS_BREAKDOWN.large_req] = 0;
    return freed;
  }

  /**
   * Give the region back: remove the heap's header, so a new heap may be made
   * over these bytes (createHeap refuses one over a live heap); its blocks go
   * with it. Every other thread must have detached (EBUSY otherwise); this
   * object is detached afterwards, and every pointer and handle is invalid.
   */
  destroy(): void {
    const t = this.attached('destroy');
    if (Atomics.load(this.arena.u32, H_DEAD_SLOTS) !== 0) adoptDeadSlots(t);
    refuseIfOthersAttached(this.arena, t.slot, 'destroy');
    this.detach();
    Atomics.store(this.arena.u32, H_MAGIC, 0);
    knownHeaps.delete(this.arena.u32[H_HEAP_ID]);
    reportedHeaps.delete(this); // its bytes are the caller's now: nothing to print from them at exit
  }

  /** Usable bytes of the live block at `ptr` (at least what was requested). */
  usableSize(ptr: number): number {
    return usableOf(this.arena, ptr, checkLive(this.arena, ptr, 'usableSize'));
  }

  /**
   * A snapshot of the heap's counts (exact when no other thread is allocating).
   * Read-only: it reads the shared heap, and works on a detached object too.
   */
  stats(): HeapStats {
    const a = this.arena;
    const u32 = a.u32;
    const L = a.layout;
    const acct = heapAccount(a);
    return {
      lane: HZ3_LANE,
      releaseMode,
      releaseModeReason,
      arenaBytes: L.arenaBytes,
      metadataBytes: L.metaBytes,
      dataBytes: L.arenaBytes - L.metaBytes,
      segmentsTotal: L.segments - L.firstDataSegment,
      segmentsOpen: Atomics.load(u32, H_SEGMENTS_OPEN),
      bytesInUse: acct.inUseBytes,
      largeBytes: acct.largeBytes,
      cachedBytes: acct.cachedBytes,
      residentBytes: Atomics.load(u32, H_RESIDENT_PAGES) * PAGE_SIZE,
      releasedPagesTotal: Atomics.load(u32, H_RELEASED_PAGES_TOTAL),
      releaseCallsTotal: Atomics.load(u32, H_RELEASE_CALLS_TOTAL),
      threads: acct.threads,
      liveBlocks: acct.liveBlocks,
      cachedBlocks: acct.cachedBlocks,
      epoch: Atomics.load(u32, H_EPOCH),
      threadCacheBoundBytes: this.thread.cacheBoundBytes,
    };
  }

  /**
   * Detach this thread: its cached blocks, remote ring and inbox go back to
   * central, and its slot becomes free for another thread. The heap object is
   * unusable afterwards (other threads' heaps are unaffected).
   */
  detach(): void {
    if (this.detached) return;
    this.detached = true;
    clearInterval(this.heartbeat);
    if (this.onThreadExit) offExit(this.onThreadExit);
    detachSlot(this.thread);
    this.malloc = () => {
      throw detachedError('malloc');
    };
    this.free = () => {
      throw detachedError('free');
    };
  }

  /**
   * Watch a Worker this thread created: when it exits without detaching (for
   * example after worker.terminate()), its slot is marked dead and adopted at
   * once, so its cached blocks return to the heap and the slot is reusable.
   * In a browser, `worker` is a Web Worker that imports hakozuna statically; its end
   * is learned through Web Locks (src/platform/browser.ts).
   */
  watch(worker: WatchableWorker): void {
    this.attached('watch');
    watchWorker(worker, (tid) => {
      if (markDeadByThreadId(this.arena, tid) > 0 && !this.detached) adoptDeadSlots(this.thread);
    });
  }

  /**
   * Adopt threads known to be dead (marked by watch()) and, when `leaseTimeoutMs`
   * is given, threads whose lease is older than that: their caches, rings and
   * inboxes return to the heap and their slots become free. A live thread
   * refreshes its lease at least every HEARTBEAT_MS from a timer and at refills,
   * so a timeout of several seconds only expires threads that are gone (or that
   * have blocked their event loop and made no refill for that long: pick the
   * timeout accordingly). Returns the number of slots adopted.
   */
  reclaimDeadThreads(options?: { leaseTimeoutMs?: number }): number {
    const t = this.attached('reclaimDeadThreads');
    const timeout = optionsObject(options, 'reclaimDeadThreads').leaseTimeoutMs;
    if (timeout !== undefined) {
      if (typeof timeout !== 'number' || !(timeout >= 0)) throw new HeapError('EINVAL', `leaseTimeoutMs must be a non-negative number, got ${show(timeout)}`);
      expireLeases(this.arena, t.slot, timeout);
    }
    return adoptDeadSlots(t);
  }

  /**
   * Walk every free list and check every free block, every large run and the
   * segments' page books (see src/heap/verify.ts). Returns the problems found
   * (none on a sound heap) and the live block counts. Read-only (works on a
   * detached object too); run it while no other thread allocates or frees.
   * Problems name blocks by the user's pointers, and pages and segments by
   * their number in the heap (page N starts at `region.byteOffset + N * 4096`).
   */
  check(): HeapCheck {
    return checkHeap(this.arena);
  }

  /**
   * Give memory back now, like C's malloc_trim: this thread's cached blocks go
   * to central, central's fully free small pages and medium runs go back to
   * their segments, and every free page run that is resident is released to
   * the OS. Blocks cached by other threads stay where they are.
   */
  trim(): TrimResult {
    const a = this.arena;
    returnSlotState(a, this.attached('trim').slot);
    const { pages, blocks } = returnToSegments(a, { mediumOnly: false, pageBudget: Infinity });
    const tally = newTally();
    releaseFreeRuns(a, tally);
    return { returnedPages: pages, returnedBlocks: blocks, releaseCalls: tally.calls, releasedPages: tally.pages, releasedBytes: tally.bytes };
  }

  /**
   * What the OS says is resident in this heap's arena right now (mincore), split
   * into metadata and data bytes: the pages really touched, beside the
   * allocator's own account (stats().residentBytes counts pages handed out).
   * NaN without the native addon.
   */
  osResident(): { metadataBytes: number; dataBytes: number } {
    return osResidentBytes(this.arena);
  }

  /**
   * Where the heap's resident bytes are, by cause (src/observe/rss-breakdown.ts):
   * live, rounding waste, caches, free pages, metadata; the parts add up to
   * `resident` on a quiet heap. The live/waste split needs a lane with
   * HZ3_RSS_BREAKDOWN_OBSERVE (research); elsewhere `requestsObserved` is false.
   * Read-only.
   */
  rssBreakdown(): RssBreakdown {
    return rssBreakdown(this.arena);
  }

  /**
   * The breakdown over time: the samples the research lane takes at each epoch
   * (every 50 ms), oldest first, each with its time (ms since 1970); the first
   * 2048 are kept. Empty in lanes without HZ3_RSS_BREAKDOWN_OBSERVE. Read-only.
   */
  rssBreakdownSamples(): BreakdownSample[] {
    return breakdownSamples(this.arena);
  }

  /** The enabled boxes' counters summed over all threads, and their printed lines. */
  report(): HeapReport {
    return collectReport(this.arena, HZ3_LANE);
  }

  /**
   * Advance the global epoch and run the lane's boxes (for idle programs, from a
   * timer): flushes this thread's remote ring first. Returns the new epoch.
   */
  maintain(): number {
    const t = this.attached('maintain');
    const a = this.arena;
    flushRemoteRing(a, t.slotWord);
    if (reclaimAsked(a, t.slotWord)) honourReclaim(a, t.slot);
    const epoch = Atomics.add(a.u32, H_EPOCH, 1) + 1;
    onEpoch(t, epoch);
    return epoch;
  }

  /** Locks taken over from a holder that died inside a critical section (diagnostics). */
  get locksStolen(): number {
    return Atomics.load(this.arena.u32, H_LOCKS_STOLEN);
  }
}

export interface TrimResult {
  /** Pages given back to segments from central (whole small pages and medium runs). */
  returnedPages: number;
  returnedBlocks: number;
  /** Calls into the OS boundary, pages and bytes released (bytes are 0 in record-only mode). */
  releaseCalls: number;
  releasedPages: number;
  releasedBytes: number;
}

/** How often an attached thread refreshes its lease from a timer. */
export const HEARTBEAT_MS = 250;

function checkSize(size: unknown, what: string): asserts size is number {
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new HeapError('ESIZE', `${what} must be a non-negative safe integer, got ${show(size)}`);
  }
}

