/**
 * The decay purge releases a free page only once it has stayed free for the
 * delay, never a page that was taken again meanwhile, and no more than its
 * rate cap per call. The clock is the arena's, replaced here by a counter.
 */
import { describe, expect, it } from 'vitest';
import { createHeap, type Heap } from '../../src/index.ts';
import { decayPurge } from '../../src/boxes/decay-purge.ts';
import { returnSlotState } from '../../src/heap/threads.ts';
import { PAGE_SIZE } from '../../src/heap/layout.ts';

const DELAY = 100;
const opts = { delayMs: DELAY, pageBudget: 1 << 20, callCap: 1 << 20 };

function withClock(h: Heap): { set(ms: number): void } {
  let now = 0;
  h.arena.now = () => now;
  return { set: (ms) => void (now = ms) };
}
const resident = (h: Heap, p: number, bytes: number): number => {
  let n = 0;
  for (let page = p / PAGE_SIZE; page < (p + bytes) / PAGE_SIZE; page++) if (h.arena.pageBit(h.arena.residentWord, page)) n++;
  return n;
};

describe('decay purge', () => {
  it('releases a freed run only after the delay, and not one reused meanwhile', () => {
    const h = createHeap({ maxBytes: 32 << 20 });
    const clock = withClock(h);
    const w = h.thread.slotWord;
    const size = 64 * 1024; // large: a run of 16 pages straight from a segment
    clock.set(1000);
    const blocks = Array.from({ length: 8 }, () => {
      const p = h.malloc(size);
      h.u8.fill(7, p, p + size);
      return p;
    });
    for (const p of blocks.slice(0, 4)) h.free(p);
    expect(decayPurge(h.arena, w, 1000 + DELAY - 1, opts).pages).toBe(0); // not yet
    clock.set(1050);
    const again = h.malloc(size); // takes one of the freed runs back
    expect(blocks.slice(0, 4)).toContain(again);
    h.u8.fill(9, again, again + size);
    const r = decayPurge(h.arena, w, 1000 + DELAY, opts);
    expect(r.pages).toBe(3 * 16); // the three runs still free; never-touched free pages are not resident
    expect(resident(h, again, size)).toBe(16);
    for (let i = 0; i < size; i += 4096) expect(h.u8[again + i]).toBe(9);
    for (const p of blocks.slice(0, 4)) if (p !== again) expect(resident(h, p, size)).toBe(0);
    for (const p of blocks.slice(4)) expect(resident(h, p, size)).toBe(16);
    // Freed again later: its own stamp counts.
    clock.set(2000);
    h.free(again);
    expect(decayPurge(h.arena, w, 2000 + DELAY - 1, opts).pages).toBe(0);
    expect(decayPurge(h.arena, w, 2000 + DELAY, opts).pages).toBe(16);
    expect(h.check().problems).toEqual([]);
  });

  it('returns wholly free runs from central, then releases them after the delay', () => {
    const h = createHeap({ maxBytes: 32 << 20 });
    const clock = withClock(h);
    const w = h.thread.slotWord;
    clock.set(500);
    const blocks = Array.from({ length: 20 }, () => h.malloc(8192)); // medium: runs of two pages
    for (const p of blocks) h.free(p);
    returnSlotState(h.arena, h.thread.slot); // the cache goes to central (as at a drain or a reclaim request)
    const first = decayPurge(h.arena, w, 500, opts);
    // Every run carved (carving bursts 1, 2, 4, ... runs, so more than the 20 used) is back in its segment, stamped 500.
    expect(first.returnedPages).toBeGreaterThanOrEqual(40);
    expect(first.pages).toBe(0);
    expect(decayPurge(h.arena, w, 500 + DELAY - 1, opts).pages).toBe(0);
    const second = decayPurge(h.arena, w, 500 + DELAY, opts);
    expect(second.pages).toBe(first.returnedPages);
    expect(h.stats().cachedBytes).toBe(0);
    expect(h.check().problems).toEqual([]);
  });

  it('stops at its page budget and says so', () => {
    const h = createHeap({ maxBytes: 32 << 20 });
    const clock = withClock(h);
    clock.set(0);
    const blocks = Array.from({ length: 4 }, () => h.malloc(64 * 1024));
    for (const p of blocks) h.free(p);
    const r = decayPurge(h.arena, h.thread.slotWord, DELAY, { ...opts, pageBudget: 20 });
    expect(r.pages).toBe(20);
    expect(r.capped).toBe(true);
    const rest = decayPurge(h.arena, h.thread.slotWord, DELAY, opts);
    expect(rest.pages).toBe(4 * 16 - 20);
    expect(rest.capped).toBe(false);
  });
});

describe('decay purge with HZ3_DECAY_CENTRAL=0', () => {
  it('leaves central\'s runs cached and releases only pages already free in segments', () => {
    const h = createHeap({ maxBytes: 32 << 20 });
    const clock = withClock(h);
    const w = h.thread.slotWord;
    clock.set(0);
    const medium = Array.from({ length: 20 }, () => h.malloc(8192));
    const large = h.malloc(64 * 1024);
    for (const p of medium) h.free(p);
    h.free(large); // a large run goes straight back to its segment
    returnSlotState(h.arena, h.thread.slot); // the medium blocks wait in central
    const cached = h.stats().cachedBytes;
    const r = decayPurge(h.arena, w, DELAY, { ...opts, scanCentral: false });
    expect(r.returnedPages).toBe(0);
    expect(r.pages).toBe(16); // the large run only
    expect(h.stats().cachedBytes).toBe(cached); // central still holds every medium block
    expect(h.check().problems).toEqual([]);
  });
});
