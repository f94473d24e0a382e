/**
 * Central pools (src/heap/central.ts): per [shard][bin] a locked stack of
 * chains, its state one (top chain, blocks) list word. Unit tests over a bare
 * arena, then workers popping and pushing at once with every block checked.
 */
import { describe, expect, it } from 'vitest';
import type { Arena } from '../../src/heap/arena.ts';
import {
  centralBlocks, centralEntry, centralPop, centralPopAny, centralPush, centralTakeAll, shardOf,
} from '../../src/heap/central.ts';
import { CENTRAL_ENTRY_WORDS, CENTRAL_LOCK, CENTRAL_SHARDS, H_CENTRAL_PUSHES } from '../../src/heap/layout.ts';
import { listCount, listTop, packList } from '../../src/heap/list-word.ts';
import { ABANDON_MS } from '../../src/heap/locks.ts';
import { NUM_BINS } from '../../src/heap/size-classes.ts';
import { bareArena, dataStart, handleOf } from '../helpers/arena.ts';
import { checkStamp, linkBlocks, listBlocks, stamp } from '../helpers/free-blocks.ts';
import { newGate, openGate } from '../helpers/gate.ts';
import { runWorker, workerScript } from '../helpers/workers.ts';

/** Test blocks: 64 bytes; words 0..2 are the chain's, word 3 says who holds the block (workers), the pattern follows. */
const BLOCK = 64;
const WORDS = BLOCK / 4;
const HOLDER = 3;

/** `n` consecutive blocks from block number `from`, patterned for `bin`. */
function blocksOf(a: Arena, bin: number, n: number, from: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = dataStart(a) + (from + i) * BLOCK;
    a.u32[(p >>> 2) + HOLDER] = 0;
    stamp(a.u32, p, HOLDER + 1, WORDS, bin);
    out.push(p);
  }
  return out;
}

const listWord = (a: Arena, shard: number, bin: number): bigint => Atomics.load(a.u64, centralEntry(a, shard, bin) >>> 1);
const lockWord = (a: Arena, shard: number, bin: number): number => Atomics.load(a.i32, centralEntry(a, shard, bin) + CENTRAL_LOCK);
const pushes = (a: Arena): number => Atomics.load(a.u32, H_CENTRAL_PUSHES);

/** Every pool but those listed holds nothing. */
function othersEmpty(a: Arena, except: ReadonlyArray<readonly [number, number]>): void {
  for (let s = 0; s < CENTRAL_SHARDS; s++) {
    for (let b = 0; b < NUM_BINS; b++) {
      if (except.some(([es, eb]) => es === s && eb === b)) continue;
      if (listWord(a, s, b) !== 0n) throw new Error(`pool [${s}][${b}] holds ${listWord(a, s, b)}`);
    }
  }
}

/** The chains of a pool, top first, following each head's word 1, as [head, length] pairs. */
function chainsOf(a: Arena, shard: number, bin: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let head = listTop(listWord(a, shard, bin)); head !== 0; head = a.u32[(head >>> 2) + 1]) out.push([head, a.u32[(head >>> 2) + 2]]);
  return out;
}

describe('the list word', () => {
  it('holds top and count in one 64-bit word, top in the low half that the lock-free empty check reads', () => {
    for (const [top, count] of [[0, 0], [16, 1], [0x1234_5670, 77], [0xffff_fff0, 0xffff_ffff]]) {
      const v = packList(top, count);
      expect(listTop(v)).toBe(top);
      expect(listCount(v)).toBe(count);
    }
    const a = bareArena();
    const e = centralEntry(a, 2, 9);
    expect(e % 2).toBe(0); // a u64 index is e >>> 1: the entry must start on an even word
    Atomics.store(a.u64, e >>> 1, packList(0xabc0, 5));
    expect([a.u32[e], a.u32[e + 1]]).toEqual([0xabc0, 5]);
  });

  it('gives every [shard][bin] its own entry, inside the central region', () => {
    const a = bareArena();
    const seen = new Set<number>();
    for (let s = 0; s < CENTRAL_SHARDS; s++) for (let b = 0; b < NUM_BINS; b++) seen.add(centralEntry(a, s, b));
    expect(seen.size).toBe(CENTRAL_SHARDS * NUM_BINS);
    expect(Math.min(...seen)).toBe(a.centralWord);
    expect(Math.max(...seen) + CENTRAL_ENTRY_WORDS).toBeLessThanOrEqual(a.inboxWord);
  });
});

describe('central push and pop', () => {
  it('push puts the chain on top, links it to the one below and adds its blocks to the count', () => {
    const a = bareArena();
    const first = blocksOf(a, 7, 3, 0);
    const second = blocksOf(a, 7, 5, 3);
    centralPush(a, 1, 7, linkBlocks(a.u32, first), 3);
    expect(listTop(listWord(a, 1, 7))).toBe(first[0]);
    expect(listCount(listWord(a, 1, 7))).toBe(3);
    expect([a.u32[(first[0]! >>> 2) + 1], a.u32[(first[0]! >>> 2) + 2]]).toEqual([0, 3]); // no chain below; 3 blocks
    centralPush(a, 1, 7, linkBlocks(a.u32, second), 5);
    expect(listTop(listWord(a, 1, 7))).toBe(second[0]);
    expect(listCount(listWord(a, 1, 7))).toBe(8);
    expect(chainsOf(a, 1, 7)).toEqual([[second[0], 5], [first[0], 3]]);
    expect(centralBlocks(a, 7)).toBe(8);
    expect(lockWord(a, 1, 7)).toBe(0);
    expect(pushes(a)).toBe(2);
    othersEmpty(a, [[1, 7]]);
  });

  it('pop takes the top chain whole (its length on its head) and leaves the rest, then answers 0', () => {
    const a = bareArena();
    const first = blocksOf(a, 7, 3, 0);
    const second = blocksOf(a, 7, 5, 3);
    centralPush(a, 1, 7, linkBlocks(a.u32, first), 3);
    centralPush(a, 1, 7, linkBlocks(a.u32, second), 5);
    const top = centralPop(a, 1, 7);
    expect(top).toBe(second[0]);
    expect(a.u32[(top >>> 2) + 2]).toBe(5);
    expect(listBlocks(a.u32, top)).toEqual(second);
    expect(listWord(a, 1, 7)).toBe(packList(first[0]!, 3));
    const next = centralPop(a, 1, 7);
    expect(listBlocks(a.u32, next)).toEqual(first);
    expect(a.u32[(next >>> 2) + 2]).toBe(3);
    expect(centralPop(a, 1, 7)).toBe(0);
    expect(listWord(a, 1, 7)).toBe(0n);
    expect(centralBlocks(a, 7)).toBe(0);
    for (const p of [...first, ...second]) checkStamp(a.u32, p, HOLDER + 1, WORDS, 7, 'after pop');
    expect(lockWord(a, 1, 7)).toBe(0);
  });

  it('keeps every shard and bin a pool of its own', () => {
    const a = bareArena();
    const x = blocksOf(a, 5, 2, 0);
    const y = blocksOf(a, 5, 4, 2);
    const z = blocksOf(a, 6, 1, 6);
    centralPush(a, 0, 5, linkBlocks(a.u32, x), 2);
    centralPush(a, 1, 5, linkBlocks(a.u32, y), 4);
    centralPush(a, 0, 6, linkBlocks(a.u32, z), 1);
    othersEmpty(a, [[0, 5], [1, 5], [0, 6]]);
    expect(centralBlocks(a, 5)).toBe(6);
    expect(centralBlocks(a, 6)).toBe(1);
    expect(centralPop(a, 2, 5)).toBe(0);
    expect(centralPop(a, 1, 6)).toBe(0);
    expect(listBlocks(a.u32, centralPop(a, 0, 6))).toEqual(z);
    expect(listBlocks(a.u32, centralPop(a, 1, 5))).toEqual(y);
    expect(listBlocks(a.u32, centralPop(a, 0, 5))).toEqual(x);
    othersEmpty(a, []);
  });

  it('counts a push for the free-page scan unless told the blocks are not fresh', () => {
    const a = bareArena();
    centralPush(a, 0, 3, linkBlocks(a.u32, blocksOf(a, 3, 2, 0)), 2);
    expect(pushes(a)).toBe(1);
    centralPush(a, 0, 3, linkBlocks(a.u32, blocksOf(a, 3, 2, 2)), 2, false);
    expect(pushes(a)).toBe(1);
    expect(centralBlocks(a, 3)).toBe(4);
  });

  it('answers an empty pool without its lock (a lock held by a dead thread costs nothing there)', () => {
    const a = bareArena();
    const e = centralEntry(a, 3, 11);
    Atomics.store(a.i32, e + CENTRAL_LOCK, 42); // held by someone who never lets go
    const t0 = Date.now();
    expect(centralPop(a, 3, 11)).toBe(0);
    expect(Date.now() - t0).toBeLessThan(ABANDON_MS / 2); // a contended lock would take ABANDON_MS
    expect(lockWord(a, 3, 11)).toBe(42);
  });
});

describe('centralPopAny', () => {
  it('takes from its own shard first, then the following shards, wrapping around, and only from its bin', () => {
    const a = bareArena();
    const bin = 20;
    const inOne = blocksOf(a, bin, 2, 0);
    const inTwo = blocksOf(a, bin, 3, 2);
    const otherBin = blocksOf(a, bin + 1, 1, 5);
    centralPush(a, 1, bin, linkBlocks(a.u32, inOne), 2);
    centralPush(a, 2, bin, linkBlocks(a.u32, inTwo), 3);
    centralPush(a, 0, bin + 1, linkBlocks(a.u32, otherBin), 1);
    expect(centralPopAny(a, 2, bin)).toBe(inTwo[0]); // its own shard
    centralPush(a, 2, bin, linkBlocks(a.u32, inTwo), 3);
    expect(centralPopAny(a, 0, bin)).toBe(inOne[0]); // 0 is empty: 1 comes before 2
    centralPush(a, 1, bin, linkBlocks(a.u32, inOne), 2);
    expect(centralPopAny(a, 3, bin)).toBe(inOne[0]); // 3, 0 empty: wraps to 1
    expect(centralPopAny(a, 3, bin)).toBe(inTwo[0]); // then 2
    expect(centralPopAny(a, 3, bin)).toBe(0);
    expect(centralBlocks(a, bin)).toBe(0);
    expect(centralBlocks(a, bin + 1)).toBe(1);
  });

  it('spreads thread slots over the shards', () => {
    const counts = new Array<number>(CENTRAL_SHARDS).fill(0);
    for (let slot = 0; slot < 256; slot++) counts[shardOf(slot)]!++;
    expect(counts).toEqual(new Array(CENTRAL_SHARDS).fill(256 / CENTRAL_SHARDS));
    for (let slot = 0; slot + 1 < CENTRAL_SHARDS; slot++) expect(shardOf(slot)).not.toBe(shardOf(slot + 1));
  });
});

describe('centralTakeAll', () => {
  it('empties every shard of a bin, visiting each chain once with its length, and leaves other bins alone', () => {
    const a = bareArena();
    const bin = 9;
    const chains: number[][] = [];
    let from = 0;
    for (let s = 0; s < CENTRAL_SHARDS; s++) {
      for (const n of [1, s + 2]) {
        const c = blocksOf(a, bin, n, from);
        from += n;
        centralPush(a, s, bin, linkBlocks(a.u32, c), n);
        chains.push(c);
      }
    }
    const keep = blocksOf(a, bin + 1, 2, from);
    centralPush(a, 1, bin + 1, linkBlocks(a.u32, keep), 2);
    const visited: Array<[number, number]> = [];
    centralTakeAll(a, bin, (head, n) => {
      expect(listBlocks(a.u32, head)).toHaveLength(n);
      visited.push([head, n]);
    });
    // Shard by shard, each shard's chains newest first.
    const expected = [];
    for (let s = 0; s < CENTRAL_SHARDS; s++) expected.push([chains[2 * s + 1]![0], s + 2], [chains[2 * s]![0], 1]);
    expect(visited).toEqual(expected);
    expect(centralBlocks(a, bin)).toBe(0);
    othersEmpty(a, [[1, bin + 1]]);
    expect(listWord(a, 1, bin + 1)).toBe(packList(keep[0]!, 2));
    for (let s = 0; s < CENTRAL_SHARDS; s++) expect(lockWord(a, s, bin)).toBe(0);
  });
});

interface Done {
  pops: number;
  empty: number;
  pushes: number;
  moved: number;
}

describe('central pools under concurrency', () => {
  it('workers popping and pushing chains at once lose, duplicate and corrupt no block, and the counts stay exact', async () => {
    const script = await workerScript('heap-central-worker');
    const a = bareArena(8, 8);
    const bins = [3, 100];
    const perBin = 2000;
    const all = new Map<number, number[]>();
    bins.forEach((bin, i) => {
      const blocks = blocksOf(a, bin, perBin, i * perBin);
      all.set(bin, blocks);
      for (let at = 0, k = 0; at < perBin; k++) {
        const n = Math.min(1 + (k % 8), perBin - at);
        centralPush(a, k % CENTRAL_SHARDS, bin, linkBlocks(a.u32, blocks.slice(at, at + n)), n);
        at += n;
      }
    });
    const before = pushes(a);
    const gate = newGate();
    const runs = [0, 1, 2, 3].map((slot) =>
      runWorker<Done>(script, { heap: handleOf(a), slot, bins, rounds: 20_000, gate, words: WORDS, holder: HOLDER }),
    );
    await openGate(gate, runs);
    const done = await Promise.all(runs.map((r) => r.done));
    expect(done.reduce((s, d) => s + d.pops, 0)).toBeGreaterThan(10_000);
    expect(pushes(a) - before).toBe(done.reduce((s, d) => s + d.pushes, 0));
    for (const bin of bins) {
      expect(centralBlocks(a, bin)).toBe(perBin);
      for (let s = 0; s < CENTRAL_SHARDS; s++) {
        // Each pool's count is the sum of its chains' lengths, and each length is its chain's.
        const chains = chainsOf(a, s, bin);
        for (const [head, n] of chains) expect(listBlocks(a.u32, head)).toHaveLength(n);
        expect(chains.reduce((sum, [, n]) => sum + n, 0)).toBe(listCount(listWord(a, s, bin)));
        expect(lockWord(a, s, bin)).toBe(0);
      }
      const seen = new Set<number>();
      centralTakeAll(a, bin, (head) => {
        for (const p of listBlocks(a.u32, head)) {
          expect(seen.has(p), `block ${p} is in central twice`).toBe(false);
          seen.add(p);
          checkStamp(a.u32, p, HOLDER + 1, WORDS, bin, `bin ${bin} at the end`);
          expect(a.u32[(p >>> 2) + HOLDER]).toBe(0);
        }
      });
      expect([...seen].sort((x, y) => x - y)).toEqual(all.get(bin));
    }
    othersEmpty(a, []);
  });
});
