/**
 * Races the review of the reclaim work found, reproduced deterministically by
 * making "another thread" act at the exact moment (a wrapped slow path):
 *   - a reclaim request arriving while an inbox is sorted into several bins
 *     over their caps: the drains after the first must not run on emptied bins;
 *   - blocks freed by another thread while this one reclaims: the retry must
 *     look, whatever reclaim itself brought back;
 *   - the u32 clocks of the epoch and of the decay purge wrapping after 49.7 days.
 */
import { describe, expect, it } from 'vitest';
import { attachHeap, createHeap } from '../../src/index.ts';
import { H_MAGIC, H_RECLAIM_SEQ, HEAP_MAGIC, S_THREAD_ID } from '../../src/heap/layout.ts';
import { decayPurge } from '../../src/boxes/decay-purge.ts';

describe('reclaim under races', () => {
  it('a request that empties the cache mid-sort leaves the other over-cap bins alone', () => {
    const h1 = createHeap({ maxBytes: 16 << 20, threadCacheBytes: 0 }); // every cap 1
    const h2 = attachHeap(h1.handle);
    const ps = [...Array.from({ length: 6 }, () => h1.malloc(16)), ...Array.from({ length: 6 }, () => h1.malloc(32))];
    for (const p of ps) h2.free(p); // h2's remote ring
    h2.maintain(); // flushed: h1's inbox now holds 6 + 6 blocks of two bins
    const t = h1.thread as unknown as { drain(bin: number): void };
    const drain = t.drain.bind(t);
    let calls = 0;
    t.drain = (bin: number): void => {
      if (calls++ === 0) Atomics.add(h1.u32, H_RECLAIM_SEQ, 1); // another thread runs short right now
      drain(bin);
    };
    h1.malloc(48); // a refill: takes the inbox and sorts it, draining bins over their cap
    expect(calls).toBeGreaterThan(1);
    expect(Atomics.load(h1.u32, H_MAGIC)).toBe(HEAP_MAGIC);
    expect(h1.check().problems).toEqual([]);
    h2.detach();
  });

  it('takes blocks another thread freed while this one was reclaiming', () => {
    const h1 = createHeap({ maxBytes: 16 << 20, onExhausted: 'null' });
    const h2 = attachHeap(h1.handle);
    // h2 stands for another thread: a slot of this thread would have its cache taken at once (reclaim.ts, askOthers).
    h2.arena.u32[h2.thread.slotWord + S_THREAD_ID] = 0x7e57;
    const theirs = Array.from({ length: 2500 }, () => h2.malloc(64));
    const mine: number[] = [];
    for (;;) {
      const p = h1.malloc(64 * 1024);
      if (p === 0) break;
      mine.push(p);
    }
    for (;;) {
      const p = h1.malloc(4096); // and every page left, one by one: no page for a carve
      if (p === 0) break;
      mine.push(p);
    }
    const t = h1.thread as unknown as { carve(bin: number): number };
    const carve = t.carve.bind(t);
    let freedOnce = false;
    t.carve = (bin: number): number => {
      const chain = carve(bin);
      if (chain === 0 && !freedOnce) {
        freedOnce = true;
        for (const p of theirs) h2.free(p); // meanwhile, on another thread: their drains push them to central
      }
      return chain;
    };
    const p = h1.malloc(64);
    expect(freedOnce).toBe(true);
    expect(p).not.toBe(0);
    h1.free(p);
    for (const q of mine) h1.free(q);
    h2.detach();
    expect(h1.check().problems).toEqual([]);
  });
});

describe('the u32 clocks wrap after 49.7 days', () => {
  it('the decay purge still waits for the delay across the wrap', () => {
    const h = createHeap({ maxBytes: 16 << 20 });
    let now = 2 ** 32 - 50;
    h.arena.now = () => now;
    const p = h.malloc(64 * 1024);
    h.free(p); // stamped 2^32 - 50
    const opts = { delayMs: 100, pageBudget: 1 << 20, callCap: 1 << 20 };
    now = 2 ** 32 + 40; // 90 ms later, past the wrap
    expect(decayPurge(h.arena, h.thread.slotWord, now, opts).pages).toBe(0);
    now = 2 ** 32 + 60; // 110 ms later
    expect(decayPurge(h.arena, h.thread.slotWord, now, opts).pages).toBe(16);
  });
});

describe('a page stamped just after the purge read its clock', () => {
  it('is not taken for an old one', () => {
    const h = createHeap({ maxBytes: 16 << 20 });
    let now = 1000;
    h.arena.now = () => now;
    const p = h.malloc(64 * 1024);
    now = 1001;
    h.free(p); // stamped 1001
    expect(decayPurge(h.arena, h.thread.slotWord, 1000, { delayMs: 100, pageBudget: 1 << 20, callCap: 1 << 20 }).pages).toBe(0);
  });
});
