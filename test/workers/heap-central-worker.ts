/**
 * Pops chains from the central pools of some bins, checks and holds their
 * blocks, and pushes them back in other chains to random shards, racing the
 * other workers doing the same (test/heap/central.test.ts). A block popped
 * while another worker holds it, a chain whose count is not its length, or a
 * block out of its bin's pattern ends the worker with an error.
 */
import { parentPort } from 'node:worker_threads';
import { centralPopAny, centralPush, shardOf } from '../../src/heap/central.ts';
import { CENTRAL_SHARDS } from '../../src/heap/layout.ts';
import { workerArena, type ArenaWorkerData } from '../helpers/arena.ts';
import { checkStamp, linkBlocks, listBlocks } from '../helpers/free-blocks.ts';
import { passGate } from '../helpers/gate.ts';
import { rng } from './blocks.ts';

interface Data extends ArenaWorkerData {
  bins: number[];
  rounds: number;
  /** Words per block; word HOLDER says who holds it (0: central), the pattern follows. */
  words: number;
  holder: number;
}
const { d, a } = workerArena<Data>();
const u32 = a.u32;
const r = rng(d.slot * 7919 + 17);
const held = new Map<number, number[]>(d.bins.map((b) => [b, []]));
const who = `slot ${d.slot}`;
let pops = 0;
let empty = 0;
let pushes = 0;
let moved = 0;

function take(bin: number): void {
  const head = centralPopAny(a, shardOf(d.slot), bin);
  if (head === 0) {
    empty++;
    return;
  }
  const n = u32[(head >>> 2) + 2];
  const list = listBlocks(u32, head);
  if (list.length !== n) throw new Error(`${who}: a chain of bin ${bin} says ${n} blocks and links ${list.length}`);
  for (const p of list) {
    checkStamp(u32, p, d.holder + 1, d.words, bin, `${who} (pop of bin ${bin})`);
    const h = u32[(p >>> 2) + d.holder];
    if (h !== 0) throw new Error(`${who}: popped block ${p}, which slot ${h - 1} holds`);
    u32[(p >>> 2) + d.holder] = a.me;
  }
  held.get(bin)!.push(...list);
  pops++;
  moved += n;
}

function give(bin: number, k: number): void {
  const mine = held.get(bin)!;
  const out = mine.splice(r() % (mine.length - k + 1), k);
  for (const p of out) {
    const h = u32[(p >>> 2) + d.holder];
    if (h !== a.me) throw new Error(`${who}: block ${p} I hold says holder ${h}`);
    u32[(p >>> 2) + d.holder] = 0;
  }
  centralPush(a, r() % CENTRAL_SHARDS, bin, linkBlocks(u32, out), out.length);
  pushes++;
}

passGate(d.gate);
for (let i = 0; i < d.rounds; i++) {
  const bin = d.bins[r() % d.bins.length]!;
  const mine = held.get(bin)!;
  if (mine.length === 0 || (mine.length < 48 && (r() & 1) === 0)) take(bin);
  else give(bin, 1 + (r() % Math.min(mine.length, 12)));
}
for (const bin of d.bins) while (held.get(bin)!.length > 0) give(bin, Math.min(held.get(bin)!.length, 16));
parentPort!.postMessage({ type: 'done', pops, empty, pushes, moved });
