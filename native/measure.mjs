// Measures the release addon: SAB alignment, µs per page released, RSS drop, refault
// cost. Linux only (reads /proc/self/statm). Usage: node native/measure.mjs
// Figures are recorded in docs/RELEASE.md.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const addon = createRequire(import.meta.url)('./build/Release/hakozuna_release.node');
const P = addon.pageSize();
const MiB = 1 << 20;
const rss = () => Number(readFileSync('/proc/self/statm', 'utf8').split(' ')[1]) * P;
const growable = (n, max = n) => new SharedArrayBuffer(n, { maxByteLength: max });

console.log(`node ${process.version}, OS page ${P} B`);

console.log('\n# alignment: bytes into an OS page where the buffer data starts');
for (const [name, make] of [
  ['plain SAB 64 KiB', () => new SharedArrayBuffer(64 * 1024)],
  ['plain SAB 1 MiB', () => new SharedArrayBuffer(MiB)],
  ['plain SAB 64 MiB', () => new SharedArrayBuffer(64 * MiB)],
  ['plain SAB 1 GiB', () => new SharedArrayBuffer(1024 * MiB)],
  ['plain SAB 8 GiB', () => new SharedArrayBuffer(8 * 1024 * MiB)],
  ['growable SAB 64 MiB (initial == max)', () => growable(64 * MiB)],
  ['growable SAB 1 GiB (initial == max)', () => growable(1024 * MiB)],
  ['growable SAB 4 GiB (initial == max)', () => growable(4 * 1024 * MiB)],
  ['growable SAB 1 MiB of max 1 GiB', () => growable(MiB, 1024 * MiB)],
  ['ArrayBuffer 1 MiB', () => new ArrayBuffer(MiB)],
]) {
  // A Uint8Array cannot span more than 4 GiB in Node 20; a short view reports the buffer's alignment.
  try { console.log(`${name.padEnd(40)} ${addon.alignmentOffset(new Uint8Array(make(), 0, 16))}`); }
  catch (e) { console.log(`${name.padEnd(40)} n/a (${e.message})`); }
}

console.log('\n# release cost (touched pages; time of the release calls only), 5 runs, median');
const arenaBytes = 256 * MiB;
const u = new Uint8Array(growable(arenaBytes));
const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
for (const pagesPerCall of [1, 16, 256, 8192, 65536]) {
  const runs = [];
  let drop = 0;
  for (let run = 0; run < 5; run++) {
    u.fill(1);
    const before = rss();
    const t0 = process.hrtime.bigint();
    for (let off = 0; off < arenaBytes; off += pagesPerCall * P) addon.release(u, off, pagesPerCall * P);
    const ns = Number(process.hrtime.bigint() - t0);
    drop = before - rss();
    runs.push(ns / 1000 / (arenaBytes / P));
  }
  console.log(`${String(pagesPerCall).padStart(6)} pages/call (${(pagesPerCall * P / 1024).toString().padStart(6)} KiB): ` +
    `${median(runs).toFixed(3)} µs/page, RSS drop ${(drop / MiB).toFixed(1)} of ${arenaBytes / MiB} MiB`);
}

{
  // Call overhead: range already released (no resident pages) and empty interior.
  const n = 200_000;
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) addon.release(u, 0, P);
  const untouched = Number(process.hrtime.bigint() - t0) / n;
  t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) addon.release(u, 1, P);
  const empty = Number(process.hrtime.bigint() - t0) / n;
  console.log(`call on a non-resident page: ${(untouched / 1000).toFixed(3)} µs; on a range with no whole page (no syscall): ${(empty / 1000).toFixed(3)} µs`);
}

{
  // Refault: first write to a released page commits a zeroed page again.
  u.fill(1, 0, 64 * MiB);
  addon.release(u, 0, 64 * MiB);
  const t0 = process.hrtime.bigint();
  for (let off = 0; off < 64 * MiB; off += P) u[off] = 1;
  const us = Number(process.hrtime.bigint() - t0) / 1000 / (64 * MiB / P);
  const fresh = new Uint8Array(growable(64 * MiB));
  const t1 = process.hrtime.bigint();
  for (let off = 0; off < 64 * MiB; off += P) fresh[off] = 1;
  const usFresh = Number(process.hrtime.bigint() - t1) / 1000 / (64 * MiB / P);
  console.log(`first write to a released page: ${us.toFixed(2)} µs/page; to a never-touched page of a new SAB: ${usFresh.toFixed(2)} µs/page`);
}

{
  console.log('\n# RSS before/after one release of the whole touched range');
  for (const size of [32 * MiB, 256 * MiB]) {
    u.fill(7, 0, size);
    const before = rss();
    const released = addon.release(u, 0, size);
    const after = rss();
    console.log(`${size / MiB} MiB touched: RSS ${(before / MiB).toFixed(1)} -> ${(after / MiB).toFixed(1)} MiB ` +
      `(-${((before - after) / MiB).toFixed(1)} MiB), released ${released / MiB} MiB, byte 0 reads ${u[0]}`);
  }
}
