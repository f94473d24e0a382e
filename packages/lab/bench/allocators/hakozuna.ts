/**
 * hakozuna: this project's allocator, as a user calls it (`heap.malloc(size)`,
 * `heap.free(ptr)`). Only ever bundled through scripts/lane-build.mjs
 * (`buildLane`), which bakes the lane's flags into the bundle.
 *
 * Multi-worker workloads (`shared`): the child's main thread calls createHeap;
 * each worker, running the same lane bundle, calls attachHeap(heap.handle) and
 * heap.detach() when it ends; the main thread watches every worker
 * (heap.watch) so one that exits without detaching is adopted.
 */
import { attachHeap, createHeap, PAGE_SIZE, type Heap } from 'hakozuna/src/index.ts';
// Read-only: the header word behind stats().residentBytes, so the sampler thread can follow the
// allocator's own account in record-only mode (checked against stats() at the end of every run).
import { H_RESIDENT_PAGES } from 'hakozuna/src/heap/layout.ts';
import type { AllocatorModule, AllocatorResidency } from '../protocol.ts';
import type { MtAllocatorModule, SharedMain, SharedWorker } from '../mt-protocol.ts';

function numericStats(heap: Heap): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(heap.stats() as object)) if (typeof v === 'number') out[k] = v;
  return out;
}

/**
 * Heap RSS of the arena: mincore of the metadata and of the data segments (the
 * figures heap.osResident() gives), and the account word for record-only mode.
 */
function residency(heap: Heap): AllocatorResidency {
  const st = heap.stats();
  const at = heap.region.byteOffset; // the arena's start in its buffer (0 unless a region)
  return {
    probe: {
      label: 'hakozuna arena',
      buffer: heap.buffer as SharedArrayBuffer, // the lab's heaps are shared (createHeap without an ArrayBuffer)
      metadata: { offset: at, bytes: st.metadataBytes },
      data: { offset: at + st.metadataBytes, bytes: st.arenaBytes - st.metadataBytes },
      accountWord: { wordIndex: (at >>> 2) + H_RESIDENT_PAGES, unitBytes: PAGE_SIZE },
    },
    ...(st.releaseMode !== 'madvise' ? { recordOnlyReason: `releaseMode ${st.releaseMode}${st.releaseModeReason ? ': ' + st.releaseModeReason : ''}` } : {}),
    accountNow: () => heap.stats().residentBytes,
  };
}

/** The lane has boxes that run at the epoch: an idle program must call heap.maintain() to advance it. */
const NEEDS_MAINTAIN = HZ3_S55_3_MEDIUM_SUBRELEASE !== 0 || HZ3_S55_3B_DELAYED_SUBRELEASE !== 0 || HZ3_DECAY_PURGE !== 0;

/** Lanes with the RSS breakdown observer (research) hand its samples over time to the report. */
const breakdownOf = (heap: Heap): { rssBreakdown?: () => ReturnType<Heap['rssBreakdownSamples']> } =>
  HZ3_RSS_BREAKDOWN_OBSERVE ? { rssBreakdown: () => heap.rssBreakdownSamples() } : {};

const hakozuna: MtAllocatorModule = {
  name: 'hakozuna',
  create(ctx) {
    const heap = createHeap({ maxBytes: ctx.maxBytes });
    return { alloc: heap, stats: () => numericStats(heap), residency: residency(heap), ...breakdownOf(heap) };
  },
  shared: {
    create(ctx): SharedMain {
      const heap = createHeap({ maxBytes: ctx.maxBytes, maxThreads: 64 });
      return {
        alloc: heap,
        views: { u8: heap.u8, u32: heap.u32 },
        handle: heap.handle,
        sharing: `thread caches (lane ${heap.stats().lane}, release ${heap.stats().releaseMode})`,
        stats: () => numericStats(heap),
        residency: residency(heap),
        report: () => heap.report().lines,
        ...breakdownOf(heap),
        ...(NEEDS_MAINTAIN ? { maintain: () => void heap.maintain() } : {}),
        check: () => heap.check(),
        bytesInUse: () => heap.stats().bytesInUse,
        watch: (w) => heap.watch(w),
      };
    },
    attach(handle): SharedWorker {
      const heap = attachHeap(handle as Parameters<typeof attachHeap>[0]);
      return { alloc: heap, views: { u8: heap.u8, u32: heap.u32 }, slot: heap.slot, detach: () => heap.detach() };
    },
  },
};
export default hakozuna as AllocatorModule;
