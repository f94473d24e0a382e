/**
 * Reclaim: memory freed in one size class or thread serves every other.
 *
 * A freed block stays in its bin (a thread cache, then central) because that is
 * fast. The page it lives in goes back to its segment, where any bin or a large
 * block can take it, once every block of the page is free in central:
 * returnToSegments scans central, counts free blocks per page, and returns each
 * small page whose blocks are all there and each medium run (with S57, whose
 * medium runs hold several objects: each run whose objects are all there,
 * counted per run start page). The scan runs
 *   - before a never-used segment is opened, when central took blocks since the
 *     last scan began (allocRun answers SCAN_FIRST): freed pages are reused
 *     before fresh ones are touched;
 *   - before EEXHAUSTED (reclaimForRequest), after this thread's own cache and
 *     every inbox went to central and the other threads were asked for theirs;
 *   - in trim(), and in the release boxes (medium runs only).
 *
 * Asking the other threads. A cache's lists are only ever touched by their own
 * thread, so a thread that ran short bumps H_RECLAIM_SEQ and every other thread
 * honours the request at its next refill or drain, at its heartbeat timer (every
 * 250 ms, within the asker's wait), in maintain() or in detach(): it gives its cache, remote
 * ring and inbox to central and records the request in S_RECLAIM_SEEN. The
 * asker waits, at most RECLAIM_WAIT_MS, for the threads that hold cached
 * blocks, answering newer requests itself while it waits (two threads short at
 * once do not wait for each other), then scans again. A thread that is busy
 * outside the heap for longer keeps its cache, which is bounded in bytes
 * (`threadCacheBytes`): the exhaustion message says how much that is.
 *
 * Lock order: reclaim lock, then central locks, then the segment lock.
 */
import { Arena } from './arena.ts';
import {
  carvedWord, H_CENTRAL_PUSHES, H_CENTRAL_SCANNED, H_RECLAIM_LOCK, H_RECLAIM_SEQ, PAGE_SHIFT, SLOT_LIVE, S_RECLAIM_SEEN, S_STATE, S_THREAD_ID,
} from './layout.ts';
import { FIRST_MEDIUM_BIN, NUM_BINS, binObjectsPerRun, binRunPages } from './size-classes.ts';
import { centralPush, centralTakeAll, shardOf } from './central.ts';
import { freePageCensus, freeRun } from './segments.ts';
import { lock, pause, unlock } from './locks.ts';
import { returnSlotState, sweepInbox } from './threads.ts';
import { heapAccount, slotCachedBytes } from './account.ts';
import { show } from '../base/errors.ts';
import { clearMediumRun, runStartOf } from './medium-runs.ts';

/** How long a thread short of memory waits for the others to give their caches back (above the 250 ms heartbeat). */
export const RECLAIM_WAIT_MS = 300;

export interface ReturnOptions {
  /** Which bins: medium only (S55-3 / S55-3B), or every bin (trim, purge, reclaim). */
  mediumOnly: boolean;
  /** Stop after returning this many pages (Infinity: no limit). */
  pageBudget: number;
  /** Stop after returning this many runs (Infinity: no limit). */
  runBudget?: number;
  /** Called for each run returned, before it goes back to its segment; may release it. */
  onRun?: (page: number, pages: number) => void;
}

/** Per arena (one per attached thread): free blocks counted per page by the scan, 0 between scans. */
const pageCounts = new WeakMap<Arena, Uint16Array>();
/** A page already returned during this scan (above any count: a page has at most 256 blocks). */
const RETURNED = 0xffff;

/**
 * Move wholly free pages and runs from central back into their segments. Medium
 * runs go back one by one; a small page goes back when every block of it is in
 * central. Blocks not returned are pushed back. Returns pages and blocks returned.
 */
export function returnToSegments(a: Arena, opts: ReturnOptions): { pages: number; blocks: number } {
  const u32 = a.u32;
  let counts = pageCounts.get(a);
  if (!counts) pageCounts.set(a, (counts = new Uint16Array(a.layout.arenaPages)));
  const full = !opts.mediumOnly && opts.pageBudget === Infinity && opts.runBudget === undefined;
  let returned = 0;
  let runs = 0;
  let blocks = 0;
  const runBudget = opts.runBudget ?? Infinity;
  const shard = shardOf(a.me - 1 >= 0 ? a.me - 1 : 0);
  const more = (): boolean => returned < opts.pageBudget && runs < runBudget;
  // Blocks pushed from now on make the next scan due; the ones pushed back below do not.
  if (full) Atomics.store(u32, H_CENTRAL_SCANNED, Atomics.load(u32, H_CENTRAL_PUSHES));
  // The lock is held per bin, so that no hold comes near the lock takeover time (ABANDON_MS) on a large heap.
  for (let bin = opts.mediumOnly ? FIRST_MEDIUM_BIN : 0; bin < NUM_BINS && more(); bin++) {
    lock(a.i32, H_RECLAIM_LOCK, a.me);
    try {
        const runPages = binRunPages(bin);
        const perPage = binObjectsPerRun(bin);
        const heads: number[] = [];
        // Free blocks are counted per page (small) or, with S57's multi-object medium runs, per run start.
        centralTakeAll(a, bin, (head) => {
          heads.push(head);
          if (HZ3_S57_MEDIUM_FINE_CLASSES || bin < FIRST_MEDIUM_BIN) {
            for (let p = head; p !== 0; p = u32[p >>> 2]) counts[HZ3_S57_MEDIUM_FINE_CLASSES ? runStartOf(a, p >>> PAGE_SHIFT) : p >>> PAGE_SHIFT]++;
          }
        });
        // Decide every block first: returning (and perhaps releasing) a page
        // would zero the links of its blocks that are still ahead in a chain.
        const pages: number[] = [];
        let keep = 0;
        let keepN = 0;
        for (const head of heads) {
          for (let p = head; p !== 0; ) {
            const next = u32[p >>> 2];
            const page = HZ3_S57_MEDIUM_FINE_CLASSES ? runStartOf(a, p >>> PAGE_SHIFT) : p >>> PAGE_SHIFT;
            const whole = (HZ3_S57_MEDIUM_FINE_CLASSES ? false : bin >= FIRST_MEDIUM_BIN) || counts[page] === perPage;
            if (whole && more()) {
              if (HZ3_S57_MEDIUM_FINE_CLASSES || bin < FIRST_MEDIUM_BIN) counts[page] = RETURNED;
              pages.push(page);
              returned += runPages;
              runs++;
              blocks += perPage;
            } else if ((HZ3_S57_MEDIUM_FINE_CLASSES ? false : bin >= FIRST_MEDIUM_BIN) || counts[page] !== RETURNED) {
              if (HZ3_S57_MEDIUM_FINE_CLASSES || bin < FIRST_MEDIUM_BIN) counts[page] = 0;
              u32[p >>> 2] = keep;
              keep = p;
              keepN++;
            }
            p = next;
          }
        }
        for (const page of pages) {
          if (HZ3_S57_MEDIUM_FINE_CLASSES || bin < FIRST_MEDIUM_BIN) counts[page] = 0;
          returnRun(a, bin, page, runPages, perPage, opts);
        }
        if (keepN > 0) centralPush(a, shard, bin, keep, keepN, false);
    } catch (e) {
      counts.fill(0); // counts left mid-bin would make a later scan see a page as wholly free too soon
      throw e;
    } finally {
      unlock(a.i32, H_RECLAIM_LOCK);
    }
  }
  return { pages: returned, blocks };
}

function returnRun(a: Arena, bin: number, page: number, pages: number, objects: number, opts: ReturnOptions): void {
  Atomics.sub(a.u32, carvedWord(bin), objects);
  if (HZ3_S57_MEDIUM_FINE_CLASSES) if (bin >= FIRST_MEDIUM_BIN) clearMediumRun(a, page, pages);
  a.ptag.fill(0, page, page + pages);
  opts.onRun?.(page, pages); // the run is still ours: releasing it here cannot hit live data
  freeRun(a, page, pages);
}

/** Return every wholly free page and run in central to its segment; returns pages returned. */
export const scanCentral = (a: Arena): number => returnToSegments(a, { mediumOnly: false, pageBudget: Infinity }).pages;

/** True when another thread asked for caches back and this thread (slot word `slotWord`) has not answered. */
export const reclaimAsked = (a: Arena, slotWord: number): boolean =>
  Atomics.load(a.u32, H_RECLAIM_SEQ) !== a.u32[slotWord + S_RECLAIM_SEEN];

/** Answer the requests so far: this thread's cache, ring and inbox go to central. Its own thread only. */
export function honourReclaim(a: Arena, slot: number): void {
  returnSlotState(a, slot);
  Atomics.store(a.u32, a.slotWord(slot) + S_RECLAIM_SEEN, Atomics.load(a.u32, H_RECLAIM_SEQ));
  Atomics.notify(a.i32, H_RECLAIM_SEQ);
}

/**
 * The calling thread (slot `slot`) cannot get memory: gather everything that
 * can be reached, ask the other threads for their caches, and scan central.
 * The caller then tries once more, whatever came back: another thread may
 * have freed meanwhile.
 */
export function reclaimForRequest(a: Arena, slot: number): void {
  returnSlotState(a, slot);
  for (let s = 0; s < a.layout.maxThreads; s++) if (s !== slot) sweepInbox(a, s);
  scanCentral(a);
  if (askOthers(a, slot)) scanCentral(a);
}

/** Post a reclaim request and wait for the threads that hold cached blocks; true if any answered. */
function askOthers(a: Arena, slot: number): boolean {
  const u32 = a.u32;
  const mine = a.slotWord(slot) + S_RECLAIM_SEEN;
  const seq = Atomics.add(u32, H_RECLAIM_SEQ, 1) + 1;
  Atomics.store(u32, mine, seq);
  // Sequence numbers wrap: a slot has answered when its seen value is not behind seq.
  const answered = (slotWord: number): boolean => ((seq - Atomics.load(u32, slotWord + S_RECLAIM_SEEN)) | 0) <= 0;
  const me = u32[a.slotWord(slot) + S_THREAD_ID];
  let gaveHere = false;
  const holders = (): number[] => {
    const out: number[] = [];
    for (let s = 0; s < a.layout.maxThreads; s++) {
      const w = a.slotWord(s);
      if (s === slot || Atomics.load(u32, w + S_STATE) !== SLOT_LIVE) continue;
      if (answered(w)) continue;
      // Another slot of this very thread (two pools or heap objects over one heap) cannot answer while this one waits:
      // give its cache back here. Safe: this thread is not inside that slot's code now.
      if (u32[w + S_THREAD_ID] === me) {
        if (slotCachedBytes(a, s) > 0) {
          honourReclaim(a, s);
          gaveHere = true;
        }
        continue;
      }
      if (slotCachedBytes(a, s) > 0) out.push(s);
    }
    return out;
  };
  const asked = holders();
  if (asked.length === 0) return gaveHere;
  const deadline = Date.now() + RECLAIM_WAIT_MS;
  while (holders().length > 0 && Date.now() < deadline) {
    // My cache is empty: answer any newer request at once, so nobody waits for me.
    Atomics.store(u32, mine, Atomics.load(u32, H_RECLAIM_SEQ));
    pause(a.i32, H_RECLAIM_SEQ, 1);
  }
  return gaveHere || asked.some((s) => answered(a.slotWord(s)));
}

/**
 * Why an allocation failed after reclaiming, in numbers: where the data bytes
 * are (live blocks; free blocks in pages that still hold live ones; caches of
 * threads that did not answer) and how fragmented the free pages are.
 */
export function exhaustionMessage(a: Arena, slot: number, size: number, why: string): string {
  const { arenaBytes, metaBytes } = a.layout;
  const acct = heapAccount(a);
  let othersCached = 0;
  let holders = 0;
  for (let s = 0; s < a.layout.maxThreads; s++) {
    if (s === slot) continue;
    const bytes = slotCachedBytes(a, s);
    if (bytes > 0) holders++;
    othersCached += bytes;
  }
  const { freePages, largestRun } = freePageCensus(a);
  return (
    `cannot allocate ${show(size)} bytes: ${why}. Of the heap's ${arenaBytes - metaBytes} data bytes, ` +
    `${acct.inUseBytes} are in live blocks, ${Math.max(0, acct.cachedBytes - othersCached)} are free blocks of pages not wholly free (in central and inboxes), ` +
    `${othersCached} are in ${holders} other thread(s)' caches (asked to give them back, waited up to ${RECLAIM_WAIT_MS} ms); ` +
    `${freePages} pages are free, the longest free run is ${largestRun} pages (arena ${arenaBytes} bytes)`
  );
}
