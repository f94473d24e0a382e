/**
 * mt_remote: random_mixed across T worker threads (BENCHMARKS.md).
 *
 * Thread i: LCG seeded 0x12345678 + 977*i, ws = 400 slots. Each operation
 * first frees everything in its incoming ring (fed by thread i-1), then draws a
 * slot (r % 400). A full slot is emptied: one more draw decides, with
 * probability remote% (r % 100 < remote), to send the block to thread i+1's
 * incoming ring (freed locally if that ring is full), otherwise it is freed
 * locally. An empty slot gets a block whose size comes from its own draw
 * (min + r % (max - min + 1)). The remote draw is made for every free, whatever
 * remote% is, so the 0/50/90% runs allocate the same sizes in the same slots.
 * No memory is touched. One operation = one malloc or one free decision
 * (a block sent away is freed by its receiver as part of that operation).
 *
 * Rings: one single-producer single-consumer ring per thread (its incoming
 * ring), RING entries, head and tail as Int32 words moved with Atomics.
 * With one thread the ring goes from thread 0 to itself.
 *
 * Phases: a warm-up of iterations/10 operations per thread, then the timed
 * run, each started together (a start word and Atomics.wait) and each ended
 * only when every ring is drained: a thread that finished its loop frees its
 * slots, marks its outgoing ring done, and keeps draining its incoming ring
 * until its producer is done and the ring is empty. ops/s = T * iterations /
 * (last thread's end - first thread's start).
 */
import type { BenchAllocator, } from '../../protocol.ts';
import type { MtMainContext, MtOutcome, MtWorkerContext, MtWorkloadSpec } from '../../mt-protocol.ts';
import { absNow, collect, release, waitAtLeast } from './common.ts';

export const MT_REMOTE_SEED = 0x12345678;
export const MT_REMOTE_SEED_STEP = 977;
export const RING = 1024; // entries per ring (a power of two)

// Ring layout, in Int32 words from the ring's base: head, tail, done (phase), pad, entries.
const HEAD = 0;
const TAIL = 1;
const DONE = 2;
const ENTRIES = 4;
const RING_WORDS = ENTRIES + RING;
// Control words before the rings.
const START = 0;
const CTRL_WORDS = 4;

interface WorkerData {
  readonly index: number;
  readonly sab: SharedArrayBuffer;
}

interface PhaseReport {
  readonly kind: 'phase';
  readonly phase: number;
  readonly t0: number;
  readonly t1: number;
  readonly sent: number;
  readonly ringFull: number;
  readonly received: number;
}

const isPhase = (phase: number) => (m: unknown): m is PhaseReport => (m as PhaseReport)?.kind === 'phase' && (m as PhaseReport).phase === phase;

/** Counters of one run of the loop (module-level: the loop returns its RNG state, these are side results). */
let sent = 0;
let ringFull = 0;
let received = 0;

/**
 * The loop of one thread for `iters` operations. `inBase`/`outBase` are the
 * Int32 word offsets of the incoming and outgoing rings. Returns nothing; the
 * slots are freed at the end (not counted).
 */
export function mtRemoteLoop(
  alloc: BenchAllocator,
  i32: Int32Array,
  inBase: number,
  outBase: number,
  iters: number,
  seed: number,
  min: number,
  max: number,
  remote: number,
): void {
  const slots = new Uint32Array(400);
  const span = max - min + 1;
  let x = seed >>> 0;
  let inHead = Atomics.load(i32, inBase + HEAD);
  let outTail = Atomics.load(i32, outBase + TAIL);
  let outHead = Atomics.load(i32, outBase + HEAD);
  const inEntries = inBase + ENTRIES;
  const outEntries = outBase + ENTRIES;
  for (let it = 0; it < iters; it++) {
    const tail = Atomics.load(i32, inBase + TAIL);
    if (tail !== inHead) {
      do {
        alloc.free(i32[inEntries + (inHead & (RING - 1))]! >>> 0);
        inHead = (inHead + 1) | 0;
        received++;
      } while (inHead !== tail);
      Atomics.store(i32, inBase + HEAD, inHead);
    }
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const slot = x - Math.floor(x / 400) * 400;
    const p = slots[slot]!;
    if (p !== 0) {
      slots[slot] = 0;
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      if (x - Math.floor(x / 100) * 100 < remote) {
        if (((outTail - outHead) | 0) >= RING) outHead = Atomics.load(i32, outBase + HEAD);
        if (((outTail - outHead) | 0) < RING) {
          i32[outEntries + (outTail & (RING - 1))] = p | 0;
          outTail = (outTail + 1) | 0;
          Atomics.store(i32, outBase + TAIL, outTail);
          sent++;
        } else {
          ringFull++;
          alloc.free(p);
        }
      } else {
        alloc.free(p);
      }
    } else {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      slots[slot] = alloc.malloc(min + (x - Math.floor(x / span) * span));
    }
  }
  Atomics.store(i32, inBase + HEAD, inHead);
  for (let s = 0; s < 400; s++) {
    const q = slots[s]!;
    if (q !== 0) alloc.free(q);
  }
}

/** Free everything in the ring at `base`; returns the number freed. */
function drain(alloc: BenchAllocator, i32: Int32Array, base: number): number {
  let head = Atomics.load(i32, base + HEAD);
  const tail = Atomics.load(i32, base + TAIL);
  let n = 0;
  while (head !== tail) {
    alloc.free(i32[base + ENTRIES + (head & (RING - 1))]! >>> 0);
    head = (head + 1) | 0;
    n++;
  }
  Atomics.store(i32, base + HEAD, head);
  return n;
}

const ringBase = (i: number): number => CTRL_WORDS + i * RING_WORDS;

async function worker(ctx: MtWorkerContext): Promise<unknown> {
  const { index, sab } = ctx.data as WorkerData;
  const T = ctx.threads;
  const p = ctx.params;
  const i32 = new Int32Array(sab);
  const sh = await ctx.attach();
  const alloc = sh.alloc;
  const inBase = ringBase(index);
  const outBase = ringBase((index + 1) % T);
  const seed = (MT_REMOTE_SEED + MT_REMOTE_SEED_STEP * index) >>> 0;
  ctx.ready();
  const phases = [Math.max(1, Math.round(p.iterations! * p.warmupFraction!)), p.iterations!];
  for (let ph = 1; ph <= phases.length; ph++) {
    waitAtLeast(i32, START, ph);
    sent = ringFull = received = 0;
    const t0 = absNow();
    mtRemoteLoop(alloc, i32, inBase, outBase, phases[ph - 1]!, seed, p.min!, p.max!, p.remote!);
    // Done producing for this phase; drain until the producer of my ring is done too.
    Atomics.store(i32, outBase + DONE, ph);
    for (;;) {
      const producerDone = Atomics.load(i32, inBase + DONE) >= ph;
      received += drain(alloc, i32, inBase);
      if (producerDone && Atomics.load(i32, inBase + TAIL) === Atomics.load(i32, inBase + HEAD)) break;
    }
    const t1 = absNow();
    ctx.post({ kind: 'phase', phase: ph, t0, t1, sent, ringFull, received } satisfies PhaseReport);
  }
  sh.detach();
  return null;
}

async function main(ctx: MtMainContext): Promise<MtOutcome> {
  const T = ctx.threads;
  const sab = new SharedArrayBuffer((CTRL_WORDS + T * RING_WORDS) * 4);
  const i32 = new Int32Array(sab);
  const workers = Array.from({ length: T }, (_, index) => ctx.spawn({ index, sab } satisfies WorkerData));
  await Promise.all(workers.map((w) => w.ready));
  const warm = collect(workers, isPhase(1));
  release(i32, START, 1);
  await warm;
  const timed = collect(workers, isPhase(2));
  ctx.markTimed();
  release(i32, START, 2);
  const reports = await timed;
  await Promise.all(workers.map((w) => w.done)); // detached: the stats below are exact
  ctx.markEnd();
  const t0 = Math.min(...reports.map((r) => r.t0));
  const t1 = Math.max(...reports.map((r) => r.t1));
  const elapsedMs = t1 - t0;
  const ops = T * ctx.params.iterations!;
  const sum = (k: 'sent' | 'ringFull' | 'received'): number => reports.reduce((a, r) => a + r[k], 0);
  return {
    rate: ops / (elapsedMs / 1000),
    elapsedMs,
    metrics: { ops, remoteSent: sum('sent'), ringFullLocalFrees: sum('ringFull'), ringFrees: sum('received'), slowestThreadMs: Math.max(...reports.map((r) => r.t1 - r.t0)) },
    freedEverything: true,
  };
}

export function mtRemoteSpec(range: 'small' | 'mixed', remote: number): MtWorkloadSpec {
  const [min, max] = range === 'small' ? [16, 2048] : [16, 32768];
  return {
    name: `mt_remote_${range}_r${remote}`,
    kind: 'workers',
    description: `mt_remote ${min}-${max} B, ${remote}% of frees sent to thread i+1 through a ${RING}-entry ring; ws=400 per thread`,
    metric: 'ops/s',
    params: { iterations: 2_000_000, warmupFraction: 0.1, min, max, remote, ws: 400, ring: RING, seed: MT_REMOTE_SEED, seedStep: MT_REMOTE_SEED_STEP },
    quickParams: { iterations: 100_000 },
    slowParams: { iterations: 150_000 },
    defaultThreads: [2],
    extraAllocators: [],
    main,
    worker,
  };
}
