/**
 * The heap layout: where everything lives inside the one SharedArrayBuffer.
 *
 * Glossary
 *   arena     the heap's bytes: a whole SharedArrayBuffer, or a region of a caller's
 *             buffer from byte `base` (arena.ts). Offsets here are from the arena's
 *             start (0 = the header); the user's pointer is `base + offset`, a
 *             byte offset into the whole buffer, and 0 is null.
 *   page      4 KiB, the unit of the page-tag table and of release.
 *   segment   1 MiB = 256 pages, aligned in the arena. Data segments are carved
 *             into page runs; the first segments of the arena hold the metadata.
 *   run       contiguous pages of one segment (or of a multi-segment span) given
 *             out together: a small-class page, a medium object, a large object.
 *   bin       a size class. Bins 0..127 are small (16..2048 B, 16 B steps, a page
 *             carved into equal objects); bins 128..135 are medium (one object per
 *             run of 1..8 pages); large objects (>32 KiB) have no bin. With S57
 *             (HZ3_S57_MEDIUM_FINE_CLASSES) bins 128..159 are medium, 2304..32768 B,
 *             several objects end to end per run of 1..13 pages (an object may
 *             straddle a page boundary inside its run).
 *   page tag  (PTAG) one u32 per arena page: which bin and which owner thread the
 *             page's blocks belong to. 0 = no allocation in this page.
 *   slot      a thread's record: lease, thread cache (bin heads and counts),
 *             remote ring, counters. Any thread can adopt a dead thread's slot.
 *   granule   16 bytes. One byte per granule (gmap) marks "a live block starts here".
 *   runLen    one u32 per arena page. A large run's first page: its length in pages
 *             (0 inside it). An S57 medium run's pages: the page's distance from the
 *             run's first page plus one (1, 2, ... up to the run's length), so any
 *             pointer finds its run start and block start (src/heap/medium-runs.ts).
 *             Small pages, default medium pages and free pages: 0.
 *
 * Arena
 *
 *   0            metaBytes (segment aligned)                         arenaBytes
 *   +------------+----------------------------------------------------------+
 *   | metadata   | data segment | data segment | ...                        |
 *   +------------+----------------------------------------------------------+
 *
 * Metadata (each region page aligned, offsets computed by computeLayout)
 *
 *   +--------+------------------+--------+--------+--------+---------+-------+----------+--------+--------+---------+---------+--------+
 *   | header | slots[maxThreads]| ptag   | runLen | gmap   | seg     | dirty | resident | freedAt| large- | rss     | pack    | central|
 *   | 4 KiB  | SLOT_BYTES each  | u32/pg | u32/pg | 1B/16B | entries | 1b/pg | 1b/pg    | u32/pg | req/pg | samples | buckets | + inbox|
 *   +--------+------------------+--------+--------+--------+---------+-------+----------+--------+--------+---------+---------+--------+
 *
 * Page tag word (u32)
 *
 *   31            16 15           8 7            0
 *   +---------------+--------------+--------------+
 *   |   (unused)    | owner        | bin          |     owner = slot + 1,
 *   +---------------+--------------+--------------+     0 = shared (large runs)
 *
 * Header page (u32 words from the arena's start; HEADER_MAP, checked against
 * this list by test/heap/layout.test.ts)
 *
 *        word  name                     what
 *           0  H_MAGIC                  HEAP_MAGIC once the heap is laid out (the marker createHeap's overlap check reads)
 *           1  H_VERSION                LAYOUT_VERSION
 *           2  H_LANE_FINGERPRINT       the lane's flags, hashed (ELANE)
 *           3  H_ARENA_PAGES            the arena's size in pages
 *           4  H_MAX_THREADS            slots laid out
 *           5  H_SEGMENTS               1 MiB segments in the arena
 *           6  H_FIRST_DATA_SEGMENT     the first segment after the metadata
 *           7  H_SEGMENT_LOCK           segment entries, pack buckets, span search
 *           8  H_FRESH_SEGMENT          the next never-used segment
 *           9  H_EPOCH                  the global epoch
 *          10  H_SLOT_LOCK              slot claim and adoption
 *          11  H_SEGMENTS_OPEN          segments in use
 *          12  H_LARGE_PAGES            pages in large runs
 *          13  H_RESIDENT_PAGES         data pages touched and not released
 *          14  H_RELEASED_PAGES_TOTAL   pages released so far
 *          15  H_RELEASE_CALLS_TOTAL    release calls so far
 *          16  H_ATTACH_SEQ             attaches so far
 *          17  H_DEAD_SLOTS             slots marked dead, not yet adopted
 *          18  H_LOCKS_STOLEN           locks taken over from dead holders
 *          19  H_BUILD_ID               the sources' hash (EBUILD)
 *      20..21  H_TIME_ORIGIN_F64        Date.now() at creation (f64)
 *          22  H_RECLAIM_SEQ            reclaim requests so far
 *          24  H_CENTRAL_SCANNED        H_CENTRAL_PUSHES at the last scan of central
 *          25  H_RECLAIM_LOCK           one scan of central at a time
 *          26  H_EPOCH_DUE_MS           when the time-based epoch is next due
 *          27  H_SEGMENT_LOCK_STOLEN    takeovers of the segment lock
 *          28  H_BREAKDOWN_SAMPLES      RSS breakdown samples taken
 *          29  H_LARGE_BLOCKS           live large blocks
 *          30  H_HEAP_ID                a random id: this heap, not another at the same place
 *      32..39  H_LANE_NAME_BYTE         the lane's name, ASCII (bytes 128..159)
 *          48  H_CENTRAL_PUSHES         chains pushed to central (a cache line of its own)
 *     64..319  H_CARVED                 per bin: objects carved
 *
 * Thread slot (SLOT_BYTES = 16 KiB: u32 words from the slot's start; SLOT_MAP,
 * checked against this list too)
 *
 *        word  name                     what
 *           0  S_STATE                  SLOT_FREE / SLOT_LIVE / SLOT_DEAD / SLOT_ADOPTING
 *           2  S_THREAD_ID              the holder's thread id
 *           3  S_GENERATION             claims so far
 *           4  S_REFILLS                refills since the last epoch
 *           5  S_REMOTE_COUNT           blocks in the remote ring
 *           6  S_CUR_SEGMENT            the segment this thread carves from (+1)
 *           7  S_RECLAIM_SEEN           the last reclaim request answered
 *        8..9  S_LEASE_F64              the lease (f64, ms since the time origin)
 *     32..543  S_TC                     the thread cache: per bin, first free block and count
 *    544..799  S_REMOTE_RING            other owners' blocks freed here, to flush
 *   800..1055  S_CARVES                 per bin: carves so far (the burst)
 *  1056..3071  S_COUNTERS               observe counters (f64)
 *  3072..4095  S_BOX_AREA               a box's private area (S55-3B ring)
 *
 * A free block (in a thread cache, a central chain, an inbox or a remote ring)
 *
 *   +0 next block in this list (pointer, 0 = end)
 *   +4 next chain           (central chains only, on the chain's head)
 *   +8 blocks in the chain  (central chains only, on the chain's head)
 *
 * Units in names: `*Offset` is a byte offset into the arena, `*Word` a u32 word
 * index (`u32[x]`); `H_*` and `S_*` constants are u32 word indexes into the
 * header and into a slot, `*_F64` ones the first of two words holding an f64.
 * A block is `p` inside the heap (an arena offset) and `ptr` where it is the
 * user's pointer (base + p): functions that take `ptr` say so.
 */

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const SEGMENT_SHIFT = 20;
export const SEGMENT_SIZE = 1 << SEGMENT_SHIFT;
export const PAGES_PER_SEGMENT = SEGMENT_SIZE / PAGE_SIZE;
export const GRANULE_SHIFT = 4;
export const GRANULE = 1 << GRANULE_SHIFT;

/** Arena limits: a growable SAB is page aligned and may reach 4 GiB. */
export const MIN_ARENA_BYTES = 2 * SEGMENT_SIZE; // one metadata segment and one data segment (maxThreads <= 32 or so; computeLayout says)
export const MAX_ARENA_BYTES = 4 * 1024 * SEGMENT_SIZE;
export const DEFAULT_ARENA_BYTES = 1024 * SEGMENT_SIZE;
export const DEFAULT_MAX_THREADS = 64;
/** The owner field of the page tag has 8 bits and 0 means "shared". */
export const MAX_THREADS_LIMIT = 255;

export const HEAP_MAGIC = 0x4e5a4b48; // 'HKZN'
export const LAYOUT_VERSION = 2;

// ---------------------------------------------------------------------------
// Header words (u32 index into the arena).
export const H_MAGIC = 0;
export const H_VERSION = 1;
export const H_LANE_FINGERPRINT = 2;
export const H_ARENA_PAGES = 3;
export const H_MAX_THREADS = 4;
export const H_SEGMENTS = 5;
export const H_FIRST_DATA_SEGMENT = 6;
/** The segment lock: guards segment entries, the pack buckets and span search. */
export const H_SEGMENT_LOCK = 7;
/** Next never-used segment (bump). */
export const H_FRESH_SEGMENT = 8;
export const H_EPOCH = 9;
/** f64 at u32 index 20..21: the heap's time origin (Date.now() at creation). */
export const H_TIME_ORIGIN_F64 = 20;
/** Attach lock: guards slot claim and adoption. */
export const H_SLOT_LOCK = 10;
export const H_SEGMENTS_OPEN = 11;
/** Pages held by large runs (for stats). */
export const H_LARGE_PAGES = 12;
/** Data pages ever touched minus released: resident bytes / PAGE_SIZE. */
export const H_RESIDENT_PAGES = 13;
export const H_RELEASED_PAGES_TOTAL = 14;
export const H_RELEASE_CALLS_TOTAL = 15;
export const H_ATTACH_SEQ = 16;
/** Slots marked dead and not yet adopted (checked at refill). */
export const H_DEAD_SLOTS = 17;
/** Locks stolen from an abandoned holder (diagnostics). */
export const H_LOCKS_STOLEN = 18;
/** The build id (hash of the sources) of the bundle that created the heap. */
export const H_BUILD_ID = 19;
/**
 * Reclaim requests (src/heap/reclaim.ts): a thread that ran short of memory bumps
 * H_RECLAIM_SEQ; every thread gives its cache back at its next slow-path event
 * and records the request in its slot's S_RECLAIM_SEEN.
 */
export const H_RECLAIM_SEQ = 22;
/**
 * Chains pushed to central since the heap was created (a scan is due when it
 * moved). Every drain adds to it, so it has a cache line of its own (words
 * 48..63), away from the words every refill and drain reads.
 */
export const H_CENTRAL_PUSHES = 48;
/** H_CENTRAL_PUSHES as it was when the last scan of central began. */
export const H_CENTRAL_SCANNED = 24;
/** The reclaim lock: one thread scans central for fully free pages at a time. */
export const H_RECLAIM_LOCK = 25;
/** When the epoch is next due by time (ms since the time origin; HZ3_EPOCH_MS lanes). */
export const H_EPOCH_DUE_MS = 26;
/** Times the segment lock was taken over from a dead holder: its books may be stale at one segment (heap.check()). */
export const H_SEGMENT_LOCK_STOLEN = 27;
/** RSS breakdown samples taken so far (HZ3_RSS_BREAKDOWN_OBSERVE lanes; the ring keeps the first BREAKDOWN_SAMPLES_MAX). */
export const H_BREAKDOWN_SAMPLES = 28;
/** Live large blocks (for stats().liveBlocks). */
export const H_LARGE_BLOCKS = 29;
/** A random id given at creation: with H_MAGIC it tells this heap from another at the same place (createHeap's overlap check). */
export const H_HEAP_ID = 30;
/** The ring of breakdown samples: per sample, the time (ms since 1970) then the 10 parts, f64 each. */
export const BREAKDOWN_SAMPLES_MAX = 2048;
export const BREAKDOWN_SAMPLE_F64 = 11;
/** Lane name, up to 32 bytes of ASCII from byte offset 128. */
export const H_LANE_NAME_BYTE = 128;
export const H_LANE_NAME_MAX = 32;
/** Objects carved per bin, u32 each, from word 64: `carved[bin]`. */
export const H_CARVED = 64; // 64 + NUM_BINS(136; S57: 160) = 200 (224) < 1024 words
export const carvedWord = (bin: number): number => H_CARVED + bin;

// ---------------------------------------------------------------------------
// Thread slot (u32 words relative to the slot base).
export const SLOT_BYTES = 16 * 1024;
export const S_STATE = 0; // SLOT_FREE / SLOT_LIVE / SLOT_DEAD / SLOT_ADOPTING
export const S_THREAD_ID = 2; // worker threadId of the holder, for messages
export const S_GENERATION = 3; // bumped on every claim
export const S_REFILLS = 4; // refills since the last epoch advance
export const S_REMOTE_COUNT = 5; // blocks held in the remote ring
export const S_CUR_SEGMENT = 6; // segment this thread carves from (+1; 0 = none)
export const S_RECLAIM_SEEN = 7; // the last reclaim request (H_RECLAIM_SEQ) this thread honoured
/** f64 word pair (u32 index 8..9): lease, ms since the heap's time origin, refreshed by the holder. */
export const S_LEASE_F64 = 8;
/** Thread cache: per bin two words, [first free block, blocks in the list], on one cache line. */
export const S_TC = 32;
export const S_REMOTE_RING = S_TC + 2 * 256; // REMOTE_RING_SIZE pointers
/** u32 index of the thread-cache head of `bin` in the slot at `slotWord`; the count is the next word. */
export const tcWord = (slotWord: number, bin: number): number => slotWord + S_TC + 2 * bin;
export const REMOTE_RING_SIZE = 256;
/** Per bin: how many times this thread carved it (the carve burst doubles with each, up to the refill). */
export const S_CARVES = S_REMOTE_RING + REMOTE_RING_SIZE;
export const S_COUNTERS = S_CARVES + 256; // observe counters (f64), up to the box area
export const S_COUNTERS_MAX = SLOT_BYTES / 4 - 1024 - S_COUNTERS;
/** A box's private per-thread area (S55-3B ring): last 4 KiB of the slot. */
export const S_BOX_AREA = SLOT_BYTES / 4 - 1024;

/**
 * The header's and the slot's words as data: name, first u32 word, length in
 * words. test/heap/layout.test.ts checks that the regions do not overlap, fit
 * their area (the header's 4 KiB page, the slot), and that every H_ and S_
 * word constant above is listed here, so a new word cannot land on an old one.
 */
export interface WordRegion {
  readonly name: string;
  readonly word: number;
  readonly words: number;
}

/** The largest number of bins any lane has (S57: 160); `carved` is sized for it. */
export const MAX_BINS = 256;

export const HEADER_MAP: readonly WordRegion[] = [
  { name: 'H_MAGIC', word: H_MAGIC, words: 1 },
  { name: 'H_VERSION', word: H_VERSION, words: 1 },
  { name: 'H_LANE_FINGERPRINT', word: H_LANE_FINGERPRINT, words: 1 },
  { name: 'H_ARENA_PAGES', word: H_ARENA_PAGES, words: 1 },
  { name: 'H_MAX_THREADS', word: H_MAX_THREADS, words: 1 },
  { name: 'H_SEGMENTS', word: H_SEGMENTS, words: 1 },
  { name: 'H_FIRST_DATA_SEGMENT', word: H_FIRST_DATA_SEGMENT, words: 1 },
  { name: 'H_SEGMENT_LOCK', word: H_SEGMENT_LOCK, words: 1 },
  { name: 'H_FRESH_SEGMENT', word: H_FRESH_SEGMENT, words: 1 },
  { name: 'H_EPOCH', word: H_EPOCH, words: 1 },
  { name: 'H_SLOT_LOCK', word: H_SLOT_LOCK, words: 1 },
  { name: 'H_SEGMENTS_OPEN', word: H_SEGMENTS_OPEN, words: 1 },
  { name: 'H_LARGE_PAGES', word: H_LARGE_PAGES, words: 1 },
  { name: 'H_RESIDENT_PAGES', word: H_RESIDENT_PAGES, words: 1 },
  { name: 'H_RELEASED_PAGES_TOTAL', word: H_RELEASED_PAGES_TOTAL, words: 1 },
  { name: 'H_RELEASE_CALLS_TOTAL', word: H_RELEASE_CALLS_TOTAL, words: 1 },
  { name: 'H_ATTACH_SEQ', word: H_ATTACH_SEQ, words: 1 },
  { name: 'H_DEAD_SLOTS', word: H_DEAD_SLOTS, words: 1 },
  { name: 'H_LOCKS_STOLEN', word: H_LOCKS_STOLEN, words: 1 },
  { name: 'H_BUILD_ID', word: H_BUILD_ID, words: 1 },
  { name: 'H_TIME_ORIGIN_F64', word: H_TIME_ORIGIN_F64, words: 2 },
  { name: 'H_RECLAIM_SEQ', word: H_RECLAIM_SEQ, words: 1 },
  { name: 'H_CENTRAL_PUSHES', word: H_CENTRAL_PUSHES, words: 1 },
  { name: 'H_CENTRAL_SCANNED', word: H_CENTRAL_SCANNED, words: 1 },
  { name: 'H_RECLAIM_LOCK', word: H_RECLAIM_LOCK, words: 1 },
  { name: 'H_EPOCH_DUE_MS', word: H_EPOCH_DUE_MS, words: 1 },
  { name: 'H_SEGMENT_LOCK_STOLEN', word: H_SEGMENT_LOCK_STOLEN, words: 1 },
  { name: 'H_BREAKDOWN_SAMPLES', word: H_BREAKDOWN_SAMPLES, words: 1 },
  { name: 'H_LARGE_BLOCKS', word: H_LARGE_BLOCKS, words: 1 },
  { name: 'H_HEAP_ID', word: H_HEAP_ID, words: 1 },
  { name: 'H_LANE_NAME_BYTE', word: H_LANE_NAME_BYTE / 4, words: H_LANE_NAME_MAX / 4 },
  { name: 'H_CARVED', word: H_CARVED, words: MAX_BINS },
];

export const SLOT_MAP: readonly WordRegion[] = [
  { name: 'S_STATE', word: S_STATE, words: 1 },
  { name: 'S_THREAD_ID', word: S_THREAD_ID, words: 1 },
  { name: 'S_GENERATION', word: S_GENERATION, words: 1 },
  { name: 'S_REFILLS', word: S_REFILLS, words: 1 },
  { name: 'S_REMOTE_COUNT', word: S_REMOTE_COUNT, words: 1 },
  { name: 'S_CUR_SEGMENT', word: S_CUR_SEGMENT, words: 1 },
  { name: 'S_RECLAIM_SEEN', word: S_RECLAIM_SEEN, words: 1 },
  { name: 'S_LEASE_F64', word: S_LEASE_F64, words: 2 },
  { name: 'S_TC', word: S_TC, words: 2 * MAX_BINS },
  { name: 'S_REMOTE_RING', word: S_REMOTE_RING, words: REMOTE_RING_SIZE },
  { name: 'S_CARVES', word: S_CARVES, words: MAX_BINS },
  { name: 'S_COUNTERS', word: S_COUNTERS, words: S_COUNTERS_MAX },
  { name: 'S_BOX_AREA', word: S_BOX_AREA, words: 1024 },
];

export const SLOT_FREE = 0;
export const SLOT_LIVE = 1;
/** The holder is known dead (its Worker exited, or its lease expired): to be adopted. */
export const SLOT_DEAD = 2;
export const SLOT_ADOPTING = 3;

// ---------------------------------------------------------------------------
// Segment entry (u32 words relative to the entry).
export const SEG_ENTRY_WORDS = 16;
export const SEG_STATE = 0; // SEG_FRESH / SEG_OPEN / SEG_FREE / SEG_SPAN
export const SEG_OWNER = 1; // slot + 1 of the thread that carves from it (0 = none)
export const SEG_FREE_PAGES = 2;
export const SEG_LARGEST_RUN = 3; // largest run of free pages (pack bucket key)
export const SEG_BITMAP = 4; // 8 words, bit = 1: page free
export const SEG_SPAN_SEGMENTS = 12; // on the first segment of a multi-segment span

export const SEG_FRESH = 0; // never used: pages never touched
export const SEG_OPEN = 1; // carved into runs, some pages in use
export const SEG_FREE = 2; // all pages free again, reusable for anything
export const SEG_SPAN = 3; // part of a multi-segment large span

/** S49 pack buckets by largest free run: bucket k holds runs in [2^k, 2^(k+1)). */
export const PACK_BUCKETS = 9;

// ---------------------------------------------------------------------------
// Central pools: per [shard][bin] the list word (top chain, blocks) and a lock.
export const CENTRAL_SHARDS = 4;
export const CENTRAL_ENTRY_WORDS = 4; // top chain, blocks (one 64-bit list word), lock, (pad)
export const CENTRAL_LOCK = 2;

export interface Layout {
  readonly arenaBytes: number;
  readonly arenaPages: number;
  readonly segments: number;
  readonly maxThreads: number;
  readonly slotsOffset: number;
  readonly ptagOffset: number;
  readonly runLenOffset: number;
  /** One byte per granule: 1 = a live block starts here. */
  readonly gmapOffset: number;
  readonly segTableOffset: number;
  /** One bit per page: 1 = the page is dirty (not known to be zero). */
  readonly dirtyOffset: number;
  /** One bit per page: 1 = touched since the last release (counted resident). */
  readonly residentOffset: number;
  /** One u32 per page: when the page was last given back to its segment (ms since the time origin). */
  readonly freedAtOffset: number;
  /** One u32 per page: bytes requested for the large block starting there (written only with HZ3_RSS_BREAKDOWN_OBSERVE). */
  readonly largeRequestedOffset: number;
  /** The ring of RSS breakdown samples (BREAKDOWN_SAMPLES_MAX x BREAKDOWN_SAMPLE_F64 f64; touched only with HZ3_RSS_BREAKDOWN_OBSERVE). */
  readonly breakdownSamplesOffset: number;
  /** Per pack bucket, a bitset over segments. */
  readonly packOffset: number;
  readonly packWordsPerBucket: number;
  readonly centralOffset: number;
  /** Per owner slot: the inbox list word (top, free bytes), 8 bytes. */
  readonly inboxOffset: number;
  readonly metaBytes: number;
  readonly firstDataSegment: number;
}

const pageAlign = (n: number): number => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;

/** Compute every region's offset from the arena size and the thread limit. */
export function computeLayout(arenaBytes: number, maxThreads: number, numBins: number): Layout {
  const arenaPages = arenaBytes / PAGE_SIZE;
  const segments = arenaBytes / SEGMENT_SIZE;
  let off = PAGE_SIZE; // header
  const slotsOffset = off;
  off += maxThreads * SLOT_BYTES;
  const ptagOffset = off;
  off = pageAlign(off + arenaPages * 4);
  const runLenOffset = off;
  off = pageAlign(off + arenaPages * 4);
  const gmapOffset = off;
  off = pageAlign(off + arenaBytes / GRANULE);
  const segTableOffset = off;
  off = pageAlign(off + segments * SEG_ENTRY_WORDS * 4);
  const dirtyOffset = off;
  off = pageAlign(off + arenaPages / 8);
  const residentOffset = off;
  off = pageAlign(off + arenaPages / 8);
  const freedAtOffset = off;
  off = pageAlign(off + arenaPages * 4);
  const largeRequestedOffset = off;
  off = pageAlign(off + arenaPages * 4);
  const breakdownSamplesOffset = off;
  off = pageAlign(off + BREAKDOWN_SAMPLES_MAX * BREAKDOWN_SAMPLE_F64 * 8);
  const packOffset = off;
  const packWordsPerBucket = Math.ceil(segments / 32);
  off = pageAlign(off + PACK_BUCKETS * packWordsPerBucket * 4);
  const centralOffset = off;
  off = pageAlign(off + CENTRAL_SHARDS * numBins * CENTRAL_ENTRY_WORDS * 4);
  const inboxOffset = off;
  off = pageAlign(off + maxThreads * 2 * 4);
  const metaBytes = Math.ceil(off / SEGMENT_SIZE) * SEGMENT_SIZE;
  return {
    arenaBytes,
    arenaPages,
    segments,
    maxThreads,
    slotsOffset,
    ptagOffset,
    runLenOffset,
    gmapOffset,
    segTableOffset,
    dirtyOffset,
    residentOffset,
    freedAtOffset,
    largeRequestedOffset,
    breakdownSamplesOffset,
    packOffset,
    packWordsPerBucket,
    centralOffset,
    inboxOffset,
    metaBytes,
    firstDataSegment: metaBytes / SEGMENT_SIZE,
  };
}

/** Page tag: `(owner << 8) | bin`; owner is slot + 1, 0 for shared large runs. */
export const TAG_BIN_MASK = 0xff;
export const TAG_OWNER_SHIFT = 8;
export const TAG_OWNER_MASK = 0xff00;
export const LARGE_BIN = 0xff;

export const makeTag = (bin: number, owner: number): number => (owner << TAG_OWNER_SHIFT) | bin;
export const tagBin = (tag: number): number => tag & TAG_BIN_MASK;
export const tagOwner = (tag: number): number => (tag & TAG_OWNER_MASK) >>> TAG_OWNER_SHIFT;
