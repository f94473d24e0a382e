#!/usr/bin/env node
// S57 at equal thread-cache bounds: for the default lane and the S57 lane
// (HZ3_S57_MEDIUM_FINE_CLASSES=1), run random_mixed mixed, dist_app and
// medium_app in-process (one heap per run, one thread) at several
// `threadCacheBytes` bounds, and print the allocator's resident bytes at the end
// (pages ever touched: no lane here releases any) and the refills (thread-cache
// misses that went to the inbox, central or a carve; counted by wrapping
// ThreadHeap.prototype.refill, which the hot path calls on a miss). Refills are
// the deterministic part of the speed cost of smaller caches or more bins.
//
//   flock /tmp/hakozuna-bench.lock node packages/lab/bench/tools/s57-cache-frontier.mjs [bound ...]
//
// Default bounds: 10589680 (the default lane's), 8000000, 6000000, 4000000 bytes.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildLane, ROOT } from '../../../../scripts/lane-build.mjs';

const bounds = process.argv.slice(2).map(Number);
if (bounds.length === 0) bounds.push(10_589_680, 8_000_000, 6_000_000, 4_000_000);

const lcg = (x) => (Math.imul(x, 1664525) + 1013904223) >>> 0;
const mod = (x, m) => x - Math.floor(x / m) * m;

/** random_mixed (bench/workloads/random-mixed.ts), ws 400. */
function randomMixed(h, iterations, min, max) {
  const slots = new Uint32Array(400);
  const span = max - min + 1;
  let x = 0x12345678;
  for (let i = 0; i < iterations; i++) {
    x = lcg(x);
    const slot = mod(x, 400);
    const p = slots[slot];
    if (p !== 0) {
      h.free(p);
      slots[slot] = 0;
    } else slots[slot] = h.malloc(min + mod(x, span));
  }
  for (const p of slots) if (p !== 0) h.free(p);
}

/** dist_app (bench/workloads/dist-app.ts), ws 400. */
function distApp(h, iterations) {
  const slots = new Uint32Array(400);
  let x = 0x12345678;
  for (let i = 0; i < iterations; i++) {
    x = lcg(x);
    const slot = mod(x, 400);
    const p = slots[slot];
    if (p !== 0) {
      h.free(p);
      slots[slot] = 0;
    } else {
      x = lcg(x);
      const b = mod(x, 100);
      x = lcg(x);
      slots[slot] = h.malloc(b < 80 ? 16 + mod(x, 241) : b < 95 ? 257 + mod(x, 1792) : 2049 + mod(x, 30720));
    }
  }
  for (const p of slots) if (p !== 0) h.free(p);
}

/** medium_app (bench/workloads/mt/medium-app.ts), one thread, ws 2000, pages of the requested bytes written. */
function mediumApp(h, iterations) {
  const u32 = h.u32;
  const slots = new Uint32Array(2000);
  let x = 0x12345678;
  for (let i = 0; i < iterations; i++) {
    x = lcg(x);
    const slot = mod(x, 2000);
    const p = slots[slot];
    if (p !== 0) {
      h.free(p);
      slots[slot] = 0;
    } else {
      x = lcg(x);
      const span = 2048 << (x >>> 30);
      x = lcg(x);
      const size = span + 1 + mod(x, span);
      const q = h.malloc(size);
      for (let off = 0; off < size; off += 4096) u32[(q + off) >>> 2] = q;
      u32[(q + size - 4) >>> 2] = q;
      slots[slot] = q;
    }
  }
  for (const p of slots) if (p !== 0) h.free(p);
}

const WORKLOADS = [
  ['random_mixed_mixed', (h) => randomMixed(h, 5_000_000, 16, 32768), 5_000_000],
  ['dist_app', (h) => distApp(h, 5_000_000), 5_000_000],
  ['medium_app', (h) => mediumApp(h, 2_000_000), 2_000_000],
];

const lanes = [
  ['scale', {}],
  ['s57', { HZ3_S57_MEDIUM_FINE_CLASSES: 1 }],
];
const libs = [];
for (const [name, flags] of lanes) {
  const { entry } = await buildLane(name, flags, undefined, { outRoot: join(ROOT, 'dist', 's57-frontier') });
  libs.push([name, await import(pathToFileURL(entry).href)]);
}

process.stdout.write('workload            bound bytes  lane   resident MiB  refills  ns/op\n');
for (const [wname, run, ops] of WORKLOADS) {
  for (const bound of bounds) {
    for (const [lname, lib] of libs) {
      const h = lib.createHeap({ maxBytes: 512 << 20, threadCacheBytes: bound });
      const proto = Object.getPrototypeOf(h.thread);
      const refill = proto.refill;
      let refills = 0;
      proto.refill = function (...args) {
        refills++;
        return refill.apply(this, args);
      };
      const t0 = performance.now();
      run(h);
      const ns = ((performance.now() - t0) * 1e6) / ops;
      proto.refill = refill;
      const resident = (h.stats().residentBytes / 1048576).toFixed(2);
      process.stdout.write(`${wname.padEnd(18)}  ${String(bound).padStart(11)}  ${lname.padEnd(5)}  ${resident.padStart(12)}  ${String(refills).padStart(7)}  ${ns.toFixed(1).padStart(5)}\n`);
      h.detach();
    }
  }
}
