// Build-time constants: replaced by literals in lane bundles (esbuild `define`),
// set as globals from the default lane when tests run the TypeScript sources.
// The registry with their meaning is ./flags.ts.
declare const HZ3_LANE: string;
declare const HZ3_LANE_FINGERPRINT: number;
/** Hash of the allocator's sources: two threads of one heap must run the same build. */
declare const HZ3_BUILD_ID: number;
declare const HZ3_FREE_CHECKS: number;
declare const HZ3_SAFE_ATOMIC_CHECKS: number;
declare const HZ3_S49_SEGMENT_PACK: number;
declare const HZ3_S49_PACK_OBSERVE: number;
declare const HZ3_S56_MEDIUM_WASTE_OBSERVE: number;
declare const HZ3_RSS_BREAKDOWN_OBSERVE: number;
declare const HZ3_S57_MEDIUM_FINE_CLASSES: number;
declare const HZ3_S55_3_MEDIUM_SUBRELEASE: number;
declare const HZ3_S55_3_PAGE_BUDGET: number;
declare const HZ3_S55_3_CALL_CAP: number;
declare const HZ3_S55_3_EPOCH_MULT: number;
declare const HZ3_S55_3B_DELAYED_SUBRELEASE: number;
declare const HZ3_S55_3B_DELAY_EPOCHS: number;
declare const HZ3_S61_THREAD_EXIT_PURGE: number;
declare const HZ3_EPOCH_REFILLS: number;
declare const HZ3_EPOCH_MS: number;
declare const HZ3_DECAY_PURGE: number;
declare const HZ3_DECAY_MS: number;
declare const HZ3_DECAY_CENTRAL: number;
