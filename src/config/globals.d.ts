// Generated from the flag registry (src/config/flags.ts) by scripts/build.mjs: do not edit.
// Build-time constants: replaced by literals in lane bundles (esbuild `define`),
// set as globals from the default lane when tests run the TypeScript sources.
/** The lane's name, written into every heap's header. */
declare const HZ3_LANE: string;
/** laneFingerprint: two threads of one heap must run the same lane. */
declare const HZ3_LANE_FINGERPRINT: number;
/** Hash of the allocator's sources: two threads of one heap must run the same build. */
declare const HZ3_BUILD_ID: number;
/** One byte per 16-byte granule, set by malloc and cleared by free: catches double free and interior-pointer free on the hot path. (check; default 1; 0..1) */
declare const HZ3_FREE_CHECKS: number;
/** Safe lane: free claims the granule mark with Atomics.compareExchange, so two threads freeing one block at once cannot both succeed. (check; default 0; 0..1; requires HZ3_FREE_CHECKS) */
declare const HZ3_SAFE_ATOMIC_CHECKS: number;
/** Debug lane: the slow paths assert the invariants of what they hand on (refill, drain, central push and pop, remote flush, page take and return; src/heap/assert.ts) and throw EINVARIANT when one breaks. Slow; for tests and bug hunts. (check; default 0; 0..1) */
declare const HZ3_ASSERT: number;
/** S49: before opening a new segment, carve from a partly free one whose largest free run fits. (box; default 1; 0..1) */
declare const HZ3_S49_SEGMENT_PACK: number;
/** S49 observe: count pack hit / miss / new_segment; prints [HZ3_S49_PACK]. (observe; default 0; 0..1) */
declare const HZ3_S49_PACK_OBSERVE: number;
/** RSS breakdown: count requested bytes per class (and per large block) so heap.rssBreakdown() and the [HZ3_RSS_BREAKDOWN] line can split resident bytes into live, rounding waste, caches, free pages and metadata. (observe; default 0; 0..1) */
declare const HZ3_RSS_BREAKDOWN_OBSERVE: number;
/** S56: count requested vs allocated bytes of medium requests per class; prints [HZ3_MEDIUM_WASTE_OBS] and [HZ3_MEDIUM_WASTE_SC]. (observe; default 0; 0..1) */
declare const HZ3_S56_MEDIUM_WASTE_OBSERVE: number;
/** S57: 32 medium classes 2304..32768 B at most 12.5% apart (instead of 8 classes of 4..32 KiB), several objects per run of 1..13 pages. (box; default 0; 0..1) */
declare const HZ3_S57_MEDIUM_FINE_CLASSES: number;
/** S55-3: at the epoch, return medium runs from central to their segments and release them to the OS (mem lane). (box; default 0; 0..1) */
declare const HZ3_S55_3_MEDIUM_SUBRELEASE: number;
/** S55-3: pages released per epoch at most. (param; default 256; 1..1048576; requires HZ3_S55_3_MEDIUM_SUBRELEASE or HZ3_S55_3B_DELAYED_SUBRELEASE or HZ3_DECAY_PURGE) */
declare const HZ3_S55_3_PAGE_BUDGET: number;
/** S55-3: release calls per epoch at most. (param; default 32; 1..1048576; requires HZ3_S55_3_MEDIUM_SUBRELEASE or HZ3_DECAY_PURGE) */
declare const HZ3_S55_3_CALL_CAP: number;
/** S55-3: run the subrelease every N-th epoch. (param; default 1; 1..65536; requires HZ3_S55_3_MEDIUM_SUBRELEASE) */
declare const HZ3_S55_3_EPOCH_MULT: number;
/** S55-3B: schedule medium runs in a per-thread ring; release them after DELAY_EPOCHS only if still free. (box; default 0; 0..1) */
declare const HZ3_S55_3B_DELAYED_SUBRELEASE: number;
/** S55-3B: epochs a candidate waits before it may be released. (param; default 8; 1..65536; requires HZ3_S55_3B_DELAYED_SUBRELEASE) */
declare const HZ3_S55_3B_DELAY_EPOCHS: number;
/** S61: at thread exit, return the cache to segments and release segments that became fully free. (box; default 0; 0..1) */
declare const HZ3_S61_THREAD_EXIT_PURGE: number;
/** Refills (slow-path events) per thread between two advances of the global epoch. (param; default 1024; 1..16777216) */
declare const HZ3_EPOCH_REFILLS: number;
/** Also advance the epoch when this many ms have passed (checked every 64 refills and at each thread's 250 ms heartbeat, so idle threads reach it too); 0: by refills only. (param; default 0; 0..1048576) */
declare const HZ3_EPOCH_MS: number;
/** Decay purge (mem lane): at the epoch, return wholly free pages and runs from central to their segments, then release resident free pages that stayed free HZ3_DECAY_MS, at most HZ3_S55_3_PAGE_BUDGET pages in HZ3_S55_3_CALL_CAP calls. (box; default 0; 0..1) */
declare const HZ3_DECAY_PURGE: number;
/** Decay purge: 1 returns central's wholly free pages and runs to their segments at each purge (then released after the delay); 0 leaves central alone and releases only pages already free in segments. (param; default 1; 0..1; requires HZ3_DECAY_PURGE) */
declare const HZ3_DECAY_CENTRAL: number;
/** Decay purge: how long a page stays free in its segment before it may be released. (param; default 100; 0..16777216; requires HZ3_DECAY_PURGE) */
declare const HZ3_DECAY_MS: number;
