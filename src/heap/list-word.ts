/**
 * A shared list's state as one 64-bit word: (top, count), low half the first
 * block, high half the blocks it holds. Every change is one atomic 64-bit
 * operation, so a thread stopped anywhere (Worker.terminate()) leaves top and
 * count consistent with each other. Used by central pools and inboxes; the word
 * index is `u32Index >>> 1` in a BigUint64Array over the arena (u32Index even).
 */
export const packList = (top: number, count: number): bigint => (BigInt(count) << 32n) | BigInt(top);
export const listTop = (v: bigint): number => Number(v & 0xffffffffn);
export const listCount = (v: bigint): number => Number(v >> 32n);
