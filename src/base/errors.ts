/** Every error the heap raises: a code to branch on and a message naming the bad value. */
export type HeapErrorCode =
  | 'EINVAL' // an argument of the wrong type or out of its domain
  | 'ESIZE' // a size that is not a non-negative safe integer (a valid size that does not fit is EEXHAUSTED)
  | 'EALIGN' // an alignment that is not a power of two in [1, 1 MiB]
  | 'EPTR_TYPE' // a pointer that is not a number
  | 'EPTR_RANGE' // a pointer outside the arena's data segments
  | 'EPTR_ALIGN' // a pointer that is not 16-byte aligned
  | 'EPTR_NOT_ALLOCATED' // a pointer into a page that holds no allocation
  | 'EDOUBLE_FREE' // a block that is already free
  | 'EINTERIOR' // a pointer inside a block, not at its start
  | 'EEXHAUSTED' // the arena has no room for the request
  | 'ETHREADS' // no free thread slot
  | 'ELANE' // the heap was built by a different lane
  | 'EBUILD' // the heap was made by a different build (version) of hakozuna
  | 'EHANDLE' // not a heap handle, or a corrupt heap
  | 'EBUSY' // a heap-wide operation (reset, destroy) while other threads are attached
  | 'EOVERLAP' // a region that overlaps a live heap's
  | 'EINVARIANT' // debug lane: an internal invariant broke (heap state corrupted by a bug or a write through a freed pointer)
  | 'EDETACHED'; // the heap was detached from this thread

export class HeapError extends Error {
  override name = 'HeapError';
  constructor(
    readonly code: HeapErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** Short printable form of any value for error messages. */
export function show(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? `${v} (0x${v.toString(16)})` : String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null) return 'null';
  if (typeof v === 'object') return Object.prototype.toString.call(v);
  return String(v);
}
