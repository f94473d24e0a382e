/**
 * Remote frees (src/heap/remote.ts): a block of another thread's page goes to
 * the freeing thread's remote ring, a full ring (or a flush) sends one chain per
 * owner to the owner's inbox, and the owner takes its whole inbox at once;
 * blocks of an owner that is not live go to central instead. Then producers in
 * workers freeing at once while the owners take their inboxes, every block
 * checked.
 */
import { describe, expect, it } from 'vitest';
import { attachHeap, createHeap, type Heap } from '../../src/index.ts';
import type { Arena } from '../../src/heap/arena.ts';
import { centralBlocks, centralPop, shardOf } from '../../src/heap/central.ts';
import { H_CENTRAL_PUSHES, PAGE_SHIFT, REMOTE_RING_SIZE, S_REMOTE_COUNT, S_REMOTE_RING, TAG_BIN_MASK, tagOwner } from '../../src/heap/layout.ts';
import { listCount, listTop } from '../../src/heap/list-word.ts';
import { flushRemoteRing, inboxBytes, inboxWord, pushMixedToCentral, remoteFree, takeInbox } from '../../src/heap/remote.ts';
import { binOfSize, binSize } from '../../src/heap/size-classes.ts';
import { handleOf } from '../helpers/arena.ts';
import { blockWords, checkStamp, linkBlocks, listBlocks, stamp } from '../helpers/free-blocks.ts';
import { newGate, openGate } from '../helpers/gate.ts';
import { runWorker, workerScript } from '../helpers/workers.ts';

const SIZES = [16, 48, 160, 1000, 2048, 4000];

/** `n` blocks of `owner`, sizes cycling through SIZES, as heap offsets; words 1.. patterned (word 0 becomes a link). */
function blocksOf(owner: Heap, n: number): number[] {
  const a = owner.arena;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = owner.malloc(SIZES[i % SIZES.length]!) - a.base;
    stamp(a.u32, p, 1, blockWords(a, p), 0);
    out.push(p);
  }
  return out;
}

const bytesOf = (a: Arena, blocks: readonly number[]): number => blocks.reduce((s, p) => s + binSize(a.ptag[p >>> PAGE_SHIFT]! & TAG_BIN_MASK), 0);
const inbox = (a: Arena, slot: number): bigint => Atomics.load(a.u64, inboxWord(a, slot) >>> 1);
const ringCount = (a: Arena, slotWord: number): number => a.u32[slotWord + S_REMOTE_COUNT]!;
const unchanged = (a: Arena, p: number, who: string): void => checkStamp(a.u32, p, 1, blockWords(a, p), 0, who);

/** A heap (its creator is slot 0) with `others` more threads attached from this one. */
function threads(others: number): Heap[] {
  const h = createHeap({ maxBytes: 32 << 20, maxThreads: 8 });
  return [h, ...Array.from({ length: others }, () => attachHeap(h.handle))];
}

describe('the remote ring', () => {
  it('keeps remote frees until it is full, then flushes them all into the owner\'s inbox in one chain', () => {
    const [owner, freer] = threads(1);
    const a = owner.arena;
    const t = freer!.thread;
    const blocks = blocksOf(owner!, REMOTE_RING_SIZE);
    for (let i = 0; i < REMOTE_RING_SIZE - 1; i++) {
      remoteFree(t, blocks[i]!);
      expect(ringCount(a, t.slotWord)).toBe(i + 1);
      expect(a.u32[t.slotWord + S_REMOTE_RING + i]).toBe(blocks[i]);
    }
    expect(inbox(a, 0)).toBe(0n); // nothing sent yet
    remoteFree(t, blocks[REMOTE_RING_SIZE - 1]!); // the ring is full: flushed
    expect(ringCount(a, t.slotWord)).toBe(0);
    expect(listCount(inbox(a, 0))).toBe(bytesOf(a, blocks));
    expect(inboxBytes(a, 0)).toBe(bytesOf(a, blocks));
    const chain = takeInbox(a, 0);
    expect(listBlocks(a.u32, chain)).toEqual(blocks); // in the order they were freed
    for (const p of blocks) unchanged(a, p, 'taken from the inbox');
    expect(inbox(a, 0)).toBe(0n);
    expect(takeInbox(a, 0)).toBe(0);
  });

  it('sends each owner only its own blocks, in the order freed, with their bytes', () => {
    const [h0, h1, freer] = threads(2);
    const a = h0!.arena;
    const t = freer!.thread;
    const mine = [blocksOf(h0!, 20), blocksOf(h1!, 20)];
    for (let i = 0; i < 20; i++) for (const b of mine) remoteFree(t, b[i]!); // interleaved
    expect(inbox(a, 0)).toBe(0n);
    flushRemoteRing(a, t.slotWord);
    expect(ringCount(a, t.slotWord)).toBe(0);
    for (const slot of [0, 1]) {
      expect(inboxBytes(a, slot)).toBe(bytesOf(a, mine[slot]!));
      const got = listBlocks(a.u32, takeInbox(a, slot));
      expect(got).toEqual(mine[slot]);
      for (const p of got) expect(tagOwner(a.ptag[p >>> PAGE_SHIFT]!)).toBe(slot + 1);
    }
    expect(inbox(a, 2)).toBe(0n); // the freer's own inbox got nothing
    flushRemoteRing(a, t.slotWord); // an empty ring sends nothing
    expect([inbox(a, 0), inbox(a, 1)]).toEqual([0n, 0n]);
  });

  it('stacks chains in the inbox: the newest flush comes first and the bytes add up', () => {
    const [owner, freer] = threads(1);
    const a = owner!.arena;
    const t = freer!.thread;
    const first = blocksOf(owner!, 7);
    const second = blocksOf(owner!, 5);
    for (const p of first) remoteFree(t, p);
    flushRemoteRing(a, t.slotWord);
    const top = listTop(inbox(a, 0));
    for (const p of second) remoteFree(t, p);
    flushRemoteRing(a, t.slotWord);
    expect(inboxBytes(a, 0)).toBe(bytesOf(a, first) + bytesOf(a, second));
    expect(a.u32[second[second.length - 1]! >>> 2]).toBe(top); // the new chain's tail links to the old top
    expect(listBlocks(a.u32, takeInbox(a, 0))).toEqual([...second, ...first]);
  });

  it('sends blocks of an owner that is not live to central, one chain per bin in the owner\'s shard', () => {
    const [h, owner, freer] = threads(2);
    const a = h!.arena;
    const t = freer!.thread;
    const slot = owner!.slot;
    const blocks = blocksOf(owner!, 12);
    owner!.detach(); // its slot is free now; its blocks were still out, with us
    const bins = [...new Set(blocks.map((p) => a.ptag[p >>> PAGE_SHIFT]! & TAG_BIN_MASK))];
    const before = bins.map((b) => centralBlocks(a, b));
    const pushes = Atomics.load(a.u32, H_CENTRAL_PUSHES);
    for (const p of blocks) remoteFree(t, p);
    flushRemoteRing(a, t.slotWord);
    expect(inbox(a, slot)).toBe(0n);
    expect(Atomics.load(a.u32, H_CENTRAL_PUSHES) - pushes).toBe(bins.length);
    bins.forEach((bin, i) => {
      const ofBin = blocks.filter((p) => (a.ptag[p >>> PAGE_SHIFT]! & TAG_BIN_MASK) === bin);
      expect(centralBlocks(a, bin) - before[i]!).toBe(ofBin.length);
      const chain = centralPop(a, shardOf(slot), bin); // the newest chain of that pool: ours
      expect(a.u32[(chain >>> 2) + 2]).toBe(ofBin.length);
      expect(listBlocks(a.u32, chain).sort((x, y) => x - y)).toEqual(ofBin.sort((x, y) => x - y));
      for (const p of ofBin) checkStamp(a.u32, p, 3, blockWords(a, p), 0, 'sent to central'); // words 1, 2 are the chain's
    });
  });
});

describe('pushMixedToCentral', () => {
  it('sorts a chain of any bins into one chain per bin and says how many blocks it moved', () => {
    const [h] = threads(0);
    const a = h!.arena;
    const blocks = blocksOf(h!, 30);
    const shard = 2;
    expect(pushMixedToCentral(a, shard, linkBlocks(a.u32, blocks))).toBe(30);
    for (const size of SIZES) {
      const bin = binOfSize(size);
      const ofBin = blocks.filter((p) => (a.ptag[p >>> PAGE_SHIFT]! & TAG_BIN_MASK) === bin);
      const chain = centralPop(a, shard, bin);
      expect(listBlocks(a.u32, chain).sort((x, y) => x - y)).toEqual(ofBin);
      expect(a.u32[(chain >>> 2) + 2]).toBe(ofBin.length);
    }
    expect(pushMixedToCentral(a, shard, 0)).toBe(0);
  });
});

interface Done {
  freed: number;
}

/**
 * Producers (workers, slots 2..4, rings only) remote-free every block of the two
 * owners (slots 0 and 1, this thread); `consume` runs on this thread while they
 * do. Returns the owners' blocks, what `consume` collected, and the heap.
 */
async function remoteFreesFromWorkers(consume: (a: Arena, heads: number[][]) => void): Promise<{ a: Arena; owners: number[][]; heads: number[][]; done: Done[] }> {
  const script = await workerScript('heap-remote-worker');
  const [h0, h1] = threads(1);
  const a = h0!.arena;
  const owners = [blocksOf(h0!, 6000), blocksOf(h1!, 6000)];
  const all = owners[0]!.flatMap((p, i) => [p, owners[1]![i]!]);
  const ptrs = new Uint32Array(new SharedArrayBuffer(all.length * 4));
  ptrs.set(all);
  const control = new Int32Array(new SharedArrayBuffer(8));
  const gate = newGate();
  const producers = [2, 3, 4];
  const runs = producers.map((slot) => runWorker<Done>(script, { heap: handleOf(a), slot, ptrs: ptrs.buffer, control: control.buffer, gate }));
  await openGate(gate, runs);
  const heads: number[][] = [[], []];
  const start = Date.now();
  while (Atomics.load(control, 1) < producers.length) {
    consume(a, heads);
    if (Date.now() - start > 30_000) throw new Error('the producers did not finish within 30 s');
  }
  const done = await Promise.all(runs.map((r) => r.done));
  for (const slot of producers) expect(ringCount(a, a.slotWord(slot))).toBe(0);
  return { a, owners, heads, done };
}

/** Take both owners' inboxes; `heads[slot]` collects the chains' heads (walked at the end: the loop takes as often as it can). */
const takeBoth = (a: Arena, heads: number[][]): void => {
  for (const slot of [0, 1]) {
    const head = takeInbox(a, slot);
    if (head !== 0) heads[slot]!.push(head);
  }
};

/** The chains each owner took (`heads[slot]`) hold exactly its own blocks, each once, their contents intact. */
function expectEachOnce(a: Arena, owners: number[][], heads: number[][]): void {
  for (const slot of [0, 1]) {
    const seen = new Set<number>();
    for (const p of heads[slot]!.flatMap((head) => listBlocks(a.u32, head))) {
      expect(seen.has(p), `block ${p} arrived twice`).toBe(false);
      seen.add(p);
      expect(tagOwner(a.ptag[p >>> PAGE_SHIFT]!)).toBe(slot + 1);
      unchanged(a, p, `from the inbox of slot ${slot}`);
    }
    expect(seen.size).toBe(owners[slot]!.length);
    expect(inbox(a, slot)).toBe(0n);
  }
}

describe('remote frees under concurrency', () => {
  it('three producers free into two owners\' inboxes while the owners take them: every block arrives once, intact', async () => {
    const { a, owners, heads, done } = await remoteFreesFromWorkers(takeBoth);
    expect(heads[0]!.length + heads[1]!.length).toBeGreaterThan(0); // chains were taken while the producers pushed
    takeBoth(a, heads);
    expect(done.reduce((s, d) => s + d.freed, 0)).toBe(12_000);
    expectEachOnce(a, owners, heads);
  });

  it('the inboxes\' bytes are exactly those of the blocks they hold once the producers are done', async () => {
    const { a, owners, heads } = await remoteFreesFromWorkers(() => undefined);
    for (const slot of [0, 1]) expect(inboxBytes(a, slot)).toBe(bytesOf(a, owners[slot]!));
    takeBoth(a, heads);
    expectEachOnce(a, owners, heads);
  });
});
