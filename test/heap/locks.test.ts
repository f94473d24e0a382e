/**
 * The lock word (src/heap/locks.ts): mutual exclusion under contention from
 * several threads, the holder's id in the word, takeover from a holder that
 * died inside its critical section (counted in H_LOCKS_STOLEN, and for the
 * segment lock in H_SEGMENT_LOCK_STOLEN too), and pause().
 *
 * The tests run over a small SharedArrayBuffer: lock() takes any Int32Array,
 * and counts a takeover at word H_LOCKS_STOLEN of it, as of the heap's header.
 */
import { describe, expect, it } from 'vitest';
import { ABANDON_MS, NO_SLOT, lock, pause, unlock } from '../../src/heap/locks.ts';
import { H_LOCKS_STOLEN, H_SEGMENT_LOCK, H_SEGMENT_LOCK_STOLEN } from '../../src/heap/layout.ts';
import { countUnderLock, type CounterWords } from '../helpers/locked-counter.ts';
import { newGate, openGate } from '../helpers/gate.ts';
import { runWorker, workerScript, type RunningWorker } from '../helpers/workers.ts';

const WAITERS = 1 << 30;
/** Word indexes in the test buffer, clear of the header words lock() itself writes. */
const L = 40;
const WORDS: CounterWords = { lock: L, counter: 41, inside: 42, sleep: 63 };
const WOKE = 44;
const PAUSE = 45;
const RELEASED = 46;

const words = (): Int32Array => new Int32Array(new SharedArrayBuffer(64 * 4));
const stolen = (i32: Int32Array): [number, number] => [Atomics.load(i32, H_LOCKS_STOLEN), Atomics.load(i32, H_SEGMENT_LOCK_STOLEN)];

/** Resolves when the worker posts a message of `type`. */
function message(r: RunningWorker<unknown>, type: string): Promise<void> {
  return new Promise((resolve, reject) => {
    r.worker.on('message', (m: { type: string }) => m.type === type && resolve());
    r.worker.once('error', reject);
  });
}

/** How long `fn` took, in ms. */
function timed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

describe('lock and unlock', () => {
  it('an uncontended lock writes the holder\'s id into the word; unlock clears it', () => {
    const i32 = words();
    lock(i32, L, 3);
    expect(i32[L]).toBe(3);
    unlock(i32, L);
    expect(i32[L]).toBe(0);
    lock(i32, L, NO_SLOT); // a thread not attached yet
    expect(i32[L]).toBe(NO_SLOT);
    unlock(i32, L);
    expect(i32[L]).toBe(0);
    expect(stolen(i32)).toEqual([0, 0]);
  });

  it('excludes: a plain counter incremented under the lock by four threads at once ends exact, nobody ever inside with another', async () => {
    const script = await workerScript('heap-lock-worker');
    const i32 = words();
    const iterations = 20_000;
    const slowEvery = 500;
    const gate = newGate();
    const runs = [1, 2, 3].map((me) =>
      runWorker<{ overlaps: number }>(script, { mode: 'count', buf: i32.buffer, me, words: WORDS, iterations, slowEvery, gate }),
    );
    await openGate(gate, runs);
    const mine = countUnderLock(i32, WORDS, 4, iterations, slowEvery); // the main thread contends too
    const done = await Promise.all(runs.map((r) => r.done));
    expect([mine, ...done.map((d) => d.overlaps)]).toEqual([0, 0, 0, 0]);
    expect(i32[WORDS.counter]).toBe(4 * iterations);
    expect(i32[WORDS.inside]).toBe(0);
    expect(i32[L]).toBe(0); // unlocked, no WAITERS bit left behind
    expect(stolen(i32)).toEqual([0, 0]);
  });

  it('waits for a live holder, however long under ABANDON_MS, and takes nothing from it', async () => {
    const script = await workerScript('heap-lock-worker');
    const i32 = words();
    const holdMs = 400;
    const holder = runWorker(script, { mode: 'hold', buf: i32.buffer, me: 9, index: L, sleep: WORDS.sleep, ms: holdMs, released: RELEASED });
    await message(holder, 'locked');
    expect(i32[L]).toBe(9); // the word names its holder
    const waited = timed(() => lock(i32, L, 5));
    expect(i32[RELEASED]).toBe(1); // mine only once the holder was done
    expect(waited).toBeLessThan(ABANDON_MS);
    expect(i32[L] & ~WAITERS).toBe(5);
    expect(stolen(i32)).toEqual([0, 0]);
    unlock(i32, L);
    await holder.done;
    expect(i32[L]).toBe(0);
  });
});

describe('takeover from a dead holder', () => {
  it('takes a lock whose holder was terminated inside its critical section after ABANDON_MS, once for two contenders, and counts it', async () => {
    const script = await workerScript('heap-lock-worker');
    const i32 = words();
    const holder = runWorker(script, { mode: 'die-holding', buf: i32.buffer, me: 77, index: L, sleep: WORDS.sleep });
    holder.done.catch(() => undefined); // it never reports: it is terminated
    await message(holder, 'locked');
    await holder.worker.terminate();
    expect(i32[L]).toBe(77); // still held by the dead thread
    // Two contenders wait it out at once, a worker and this thread: one takes the lock over, the other gets it from that one.
    const gate = newGate();
    const other = runWorker<{ overlaps: number }>(script, { mode: 'count', buf: i32.buffer, me: 6, words: WORDS, iterations: 1, slowEvery: 1, gate });
    await openGate(gate, [other]);
    let overlaps = -1;
    const waited = timed(() => (overlaps = countUnderLock(i32, WORDS, 5, 1, 1)));
    expect(waited).toBeGreaterThanOrEqual(ABANDON_MS);
    expect(waited).toBeLessThan(ABANDON_MS + 1500);
    expect([overlaps, (await other.done).overlaps]).toEqual([0, 0]);
    expect(i32[WORDS.counter]).toBe(2); // both had it, one after the other
    expect(stolen(i32)).toEqual([1, 0]); // taken over once; not the segment lock, so only the total counts it
    expect(i32[L]).toBe(0);
    lock(i32, L, 7); // and it is an ordinary lock again
    expect(i32[L]).toBe(7);
  });

  it('counts a takeover of the segment lock in H_SEGMENT_LOCK_STOLEN as well', () => {
    const i32 = words();
    Atomics.store(i32, H_SEGMENT_LOCK, NO_SLOT); // a thread that died while attaching
    const waited = timed(() => lock(i32, H_SEGMENT_LOCK, 2));
    expect(waited).toBeGreaterThanOrEqual(ABANDON_MS);
    expect(i32[H_SEGMENT_LOCK] & ~WAITERS).toBe(2);
    expect(stolen(i32)).toEqual([1, 1]);
    unlock(i32, H_SEGMENT_LOCK);
  });
});

describe('pause', () => {
  it('sleeps about the time asked', () => {
    const i32 = words();
    const slept = timed(() => pause(i32, PAUSE, 40));
    expect(slept).toBeGreaterThanOrEqual(35);
    expect(slept).toBeLessThan(1000);
  });

  it('returns early when its word is notified', async () => {
    const script = await workerScript('heap-lock-worker');
    const i32 = words();
    const notifier = runWorker(script, { mode: 'notify', buf: i32.buffer, index: PAUSE, woke: WOKE, sleep: WORDS.sleep });
    await new Promise((r) => setTimeout(r, 20)); // let it start
    const slept = timed(() => pause(i32, PAUSE, 10_000));
    Atomics.store(i32, WOKE, 1);
    expect(slept).toBeLessThan(2000);
    await notifier.done;
  });
});
