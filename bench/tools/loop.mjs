// One timed random_mixed run of a hakozuna bundle, in its own process (used by commit-ab.mjs).
// Usage: node bench/tools/loop.mjs <bundle index.js> <min> <max> <iterations>  -> prints M ops/s
// The loop is the harness's (BENCHMARKS.md random_mixed: LCG, ws=400, same r for slot and size).
const [, , bundle, min, max, n] = process.argv;
const { createHeap } = await import(bundle);
const heap = createHeap({ maxBytes: 1 << 30 });
function randomMixed(alloc, iterations, min, max) {
  const slots = new Uint32Array(400);
  const span = max - min + 1;
  let x = 0x12345678;
  for (let i = 0; i < iterations; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const slot = x - Math.floor(x / 400) * 400;
    const p = slots[slot];
    if (p !== 0) {
      alloc.free(p);
      slots[slot] = 0;
    } else slots[slot] = alloc.malloc(min + (x - Math.floor(x / span) * span));
  }
  for (let s = 0; s < 400; s++) if (slots[s] !== 0) alloc.free(slots[s]);
}
randomMixed(heap, Math.max(50_000, Math.floor(+n / 10)), +min, +max);
const t0 = performance.now();
randomMixed(heap, +n, +min, +max);
console.log((+n / (performance.now() - t0) / 1e3).toFixed(2));
