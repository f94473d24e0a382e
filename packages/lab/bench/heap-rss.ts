/**
 * Heap RSS, the model: what the RSS sampler (packages/lab/src/rss-sampler.ts) measures
 * of an allocator's buffer and how one sample becomes one figure. Pure (no I/O,
 * no addon), so the parent's summaries and reports can import it.
 */

/**
 * What the sampler measures of a heap: byte ranges of its SharedArrayBuffer
 * (mincore) and, for the record-only fallback, the allocator's own resident
 * count as a Uint32 word of that buffer. The allocator adapters build it
 * (bench/allocators/*.ts); peers give their whole buffer as `data`.
 */
export interface ResidencyProbe {
  /** What the figure is, e.g. "hakozuna arena" or "tlsf: its shared WebAssembly.Memory". */
  readonly label: string;
  readonly buffer: SharedArrayBuffer;
  /** The allocator's metadata, when it has a region of its own. */
  readonly metadata?: { readonly offset: number; readonly bytes: number };
  readonly data: { readonly offset: number; readonly bytes: number };
  /** The allocator's own resident bytes: Uint32 word `wordIndex` of `buffer` times `unitBytes` (hakozuna: stats().residentBytes). */
  readonly accountWord?: { readonly wordIndex: number; readonly unitBytes: number };
}

/** How heap RSS was measured: mincore of the buffer, the allocator's own account (record-only), or not at all. */
export type HeapRssSource = 'mincore' | 'account' | 'none';

export interface HeapRssSeries {
  readonly label: string;
  readonly source: HeapRssSource;
  /** One sentence a report prints beside the figure (why it is an account and not mincore, what the peer's figure covers). */
  readonly note: string;
  /** [ms since start, metadata bytes, data bytes, allocator's account bytes]; null where not measured. From the watchHeap call on. */
  readonly samples: [number, number | null, number | null, number | null][];
}

/** The heap RSS figure of one sample: mincore metadata + data, or the account (record-only), or undefined. */
export function heapRssOf(sample: readonly [number, number | null, number | null, number | null], source: HeapRssSource): number | undefined {
  if (source === 'mincore') return sample[2] === null ? undefined : (sample[1] ?? 0) + sample[2];
  if (source === 'account') return sample[3] ?? undefined;
  return undefined;
}

