// One timed run of a single-thread workload on a hakozuna bundle, in its own
// process (used by commit-ab.mjs). The workloads are the lab's own
// (bench/workloads/random-mixed.ts, dist-app.ts), bundled once by commit-ab, so
// both sides of an A/B run the very same loop.
// Usage: [HZ_LOOP_HEAP=whole|region] node packages/lab/bench/tools/loop.mjs <bundle index.js> <workloads .mjs> <random_mixed MIN MAX | dist_app> <iterations>  -> M ops/s
const [, , bundle, workloads, name, ...rest] = process.argv;
const { createHeap } = await import(bundle);
const { randomMixed, distApp } = await import(workloads);
const n = Number(rest[rest.length - 1]);
const run =
  name === 'dist_app'
    ? (alloc, iterations) => distApp(alloc, iterations)
    : (alloc, iterations) => randomMixed(alloc, iterations, Number(rest[0]), Number(rest[1]));
// HZ_LOOP_HEAP=region: the same 1 GiB as a region of a larger buffer, from an odd offset (the heap starts at 16 KiB).
const heap =
  process.env.HZ_LOOP_HEAP === 'region'
    ? createHeap({ buffer: new SharedArrayBuffer((1 << 30) + (2 << 20), { maxByteLength: (1 << 30) + (2 << 20) }), byteOffset: 12_345, byteLength: (1 << 30) + (1 << 20) })
    : createHeap({ maxBytes: 1 << 30 });
if (process.env.HZ_LOOP_HEAP === 'region' && heap.region.byteOffset === 0) throw new Error('this bundle does not place heaps in regions');
run(heap, Math.max(50_000, Math.floor(n / 10))); // warm-up: caches filled, code optimised
const t0 = performance.now();
run(heap, n);
console.log((n / (performance.now() - t0) / 1e3).toFixed(2));
