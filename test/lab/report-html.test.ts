/**
 * The HTML report, looked at as a person would: rendered in headless Chromium
 * (scripts/ensure-chromium.mjs installs Debian's package where missing; without
 * it the browser checks skip with the reason). The report itself has no script;
 * the test loads an instrumented copy whose one script measures what the browser
 * drew (path lengths, bar widths) into data-* attributes, then reads the DOM
 * Chromium dumps, and takes a screenshot.
 *
 * The input is synthetic and includes a workload this code has never heard of
 * (`future_wall`, metric seconds), so the report is shown to be driven by the JSON.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abSectionFrom } from '../../packages/lab/src/ab-model.ts';
import { renderHtmlReport } from '../../packages/lab/src/report-html.ts';
import { computeRatios, heapRssRecord, summarizeRuns, type AllocatorStatus, type BenchResults, type RunRecord } from '../../packages/lab/src/results.ts';

const root = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'hz-lab-html-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MiB = 1 << 20;

/** An RSS series: a ramp during set-up, then a plateau with a little noise, 50 ms apart. */
function samples(base: number, plateau: number, ms: number, seed: number): [number, number][] {
  const out: [number, number][] = [];
  for (let t = 20, i = 0; t <= ms; t += 50, i++) {
    const ramp = Math.min(1, t / 200);
    out.push([t, (base + (plateau - base) * ramp + (((i * 7919 + seed) % 13) - 6) * 0.05) * MiB]);
  }
  return out;
}

function run(workload: string, allocator: string, rep: number, f: { ops?: number; secs?: number; rss: number; ms: number; stats?: Record<string, number>; oneShot?: string[] }): RunRecord {
  const s = samples(52, f.rss, f.ms, rep * 31 + allocator.length);
  const timedFrom = 150;
  const timed = s.filter(([t]) => t >= timedFrom).map(([, b]) => b);
  const mean = timed.reduce((a, b) => a + b, 0) / timed.length;
  return {
    workload,
    allocator,
    rep,
    ok: true,
    iterations: 1_000_000,
    warmupIterations: 100_000,
    ...(f.ops !== undefined ? { opsPerSec: f.ops } : {}),
    elapsedMs: f.secs !== undefined ? f.secs * 1000 : 1e9 / f.ops! / 1000,
    wallMs: f.ms + 100,
    rss: { intervalMs: 50, timed: { count: timed.length, mean, p95: Math.max(...timed), max: Math.max(...timed) }, samples: s },
    marks: { setup: 20, warmup: 30, timed: timedFrom, end: f.ms },
    maxRssBytes: Math.max(...timed),
    ...(f.stats ? { allocatorStats: f.stats } : {}),
    ...(f.oneShot ? { oneShot: f.oneShot } : {}),
  };
}

function meta(command: string): BenchResults['meta'] {
  return {
    startedAt: '2026-01-01T12:00:00.000Z',
    finishedAt: '2026-01-01T12:01:00.000Z',
    command,
    git: { commit: '0123456789abcdef0123456789abcdef01234567', dirty: false },
    node: 'v20.20.2',
    v8: '11.3',
    platform: 'linux',
    arch: 'x64',
    cpus: 2,
    cpuModel: 'Test CPU Model 9000',
    totalMemBytes: 24 * 1024 ** 3,
    options: { iterations: 1_000_000, repetitions: 3, lane: 'scale', sampleIntervalMs: 50 },
  };
}

const workloads: { name: string; description: string; params: Record<string, number | string>; metric?: string }[] = [
  { name: 'random_mixed_small', description: 'random_mixed 16-2048 B', params: { ws: 400 } },
  { name: 'future_wall', description: 'a workload measured in wall time', params: { threads: 4 }, metric: 'seconds' },
];

/** hakozuna's runs also carry heap RSS, as a child measures it (mincore: metadata and data at every sample); the peers have none. */
function withHeapRss(r: RunRecord): RunRecord {
  if (r.allocator !== 'hakozuna') return r;
  const samples = r.rss!.samples.map(([t], i) => [t, 0.4 * MiB, (1 + Math.min(1, t / 200) * 4 + (i % 3) * 0.05) * MiB, null] as [number, number, number, null]);
  const heapRss = heapRssRecord({ heapRss: { label: 'hakozuna arena', source: 'mincore', note: 'hakozuna arena: resident pages from mincore (metadata and data), every sample', samples }, marks: r.marks! });
  return { ...r, heapRss: heapRss! };
}

/** A bench run: noop, hakozuna, tlsf, glibc over both workloads, 3 repetitions. */
function benchFixture(): BenchResults {
  const allocators: AllocatorStatus[] = [
    { id: 'noop', description: '', status: 'ok' },
    { id: 'hakozuna', description: '', status: 'ok', lane: { lane: 'scale', flags: { HZ3_FREE_CHECKS: 1 } } },
    { id: 'tlsf', description: '', status: 'ok' },
    { id: 'glibc', description: '', status: 'ok' },
  ];
  const runs: RunRecord[] = [];
  const fig: Record<string, { ops: number; secs: number; rss: number }> = {
    noop: { ops: 100e6, secs: 0.5, rss: 58 },
    hakozuna: { ops: 45e6, secs: 1.1, rss: 64 },
    tlsf: { ops: 22e6, secs: 2.0, rss: 60 },
    glibc: { ops: 33e6, secs: 1.4, rss: 2 },
  };
  for (let rep = 0; rep < 3; rep++) {
    for (const w of workloads) {
      for (const a of allocators) {
        const f = fig[a.id]!;
        const jitter = 1 + (rep - 1) * 0.03;
        runs.push(
          w.name === 'future_wall'
            ? ({
                ...run(w.name, a.id, rep, { secs: f.secs * jitter, rss: f.rss + 10, ms: 900 }),
                // as a multi-worker child reports it: named series, e.g. RSS at the end of each idle window
                mt: { series: { idleRssBytes: [0, 1, 2, 3, 4, 5].map((i) => (f.rss + 10 - i * (a.id === 'hakozuna' ? 2 : 0.5)) * MiB) } },
              } as unknown as RunRecord)
            : withHeapRss(run(w.name, a.id, rep, { ops: f.ops * jitter, rss: f.rss, ms: 600, ...(a.id === 'hakozuna' ? { stats: { residentBytes: 5 * MiB, releaseCallsTotal: 0 } } : {}) })),
        );
      }
    }
  }
  const summary = summarizeRuns(runs, workloads.map((w) => w.name), allocators, () => 1_000_000);
  return {
    schema: 'hakozuna-bench/1',
    meta: meta('hakozuna bench --reps 3'),
    workloads,
    allocators,
    runs,
    summary,
    ratios: computeRatios(summary, (id) => id.startsWith('hakozuna')),
    notes: ['a note'],
  };
}

/** An ab run: scale vs mem, 3 pairs; small passes the gate, future_wall fails it on speed. */
function abFixture(): BenchResults {
  const A = 'hakozuna@scale';
  const B = 'hakozuna@mem';
  const allocators: AllocatorStatus[] = [
    { id: A, description: '', status: 'ok', lane: { lane: 'scale', flags: { HZ3_S55_3_MEDIUM_SUBRELEASE: 0 } } },
    { id: B, description: '', status: 'ok', lane: { lane: 'mem', flags: { HZ3_S55_3_MEDIUM_SUBRELEASE: 1 } } },
  ];
  const runs: RunRecord[] = [];
  for (let rep = 0; rep < 3; rep++) {
    const j = 1 + (rep - 1) * 0.01;
    runs.push(run('random_mixed_small', A, rep, { ops: 45e6 * j, rss: 80, ms: 600, stats: { releaseCallsTotal: 0 } }));
    runs.push(
      run('random_mixed_small', B, rep, {
        ops: 44.6e6 * j,
        rss: 70,
        ms: 600,
        stats: { releaseCallsTotal: 300 },
        oneShot: ['[HZ3_S55_3_MEDIUM_SUBRELEASE] calls=10 demote_pages=700 madvise_calls=300 madvise_pages=700 madvise_bytes=2867200'],
      }),
    );
    runs.push(run('future_wall', A, rep, { secs: 1.0 * j, rss: 90, ms: 900 }));
    runs.push(run('future_wall', B, rep, { secs: 1.08 * j, rss: 75, ms: 900 }));
  }
  const summary = summarizeRuns(runs, workloads.map((w) => w.name), allocators, () => 1_000_000);
  const base = {
    schema: 'hakozuna-bench/1' as const,
    meta: meta('hakozuna ab --a scale --b mem --bench small,future_wall --pairs 3'),
    workloads,
    allocators,
    runs,
    summary,
    ratios: computeRatios(summary, (id) => id.startsWith('hakozuna')),
    notes: [],
  };
  return { ...base, ab: abSectionFrom(base, { id: A, lane: 'scale' }, { id: B, lane: 'mem' }, { pairs: 3 }) };
}

// What the instrumented copy measures in the browser, written into the DOM before Chromium dumps it.
const PROBE = `<script>
for (const p of document.querySelectorAll('path.series')) p.setAttribute('data-drawn-length', String(p.getTotalLength()));
for (const r of document.querySelectorAll('rect.bar')) r.setAttribute('data-drawn-width', String(r.getBoundingClientRect().width));
for (const s of document.querySelectorAll('svg.chart')) s.setAttribute('data-drawn-height', String(s.getBoundingClientRect().height));
document.body.setAttribute('data-probed', 'yes');
</script>`;

interface Chart {
  readonly cls: string;
  readonly attrs: string;
  readonly body: string;
}

function charts(dom: string): Chart[] {
  const out: Chart[] = [];
  const re = /<svg class="chart ([^"]*)"([^>]*)>([\s\S]*?)<\/svg>/g;
  for (let m = re.exec(dom); m !== null; m = re.exec(dom)) out.push({ cls: m[1]!, attrs: m[2]!, body: m[3]! });
  return out;
}
const attr = (s: string, name: string): string | undefined => new RegExp(`${name}="([^"]*)"`).exec(s)?.[1];
const all = (s: string, re: RegExp): RegExpExecArray[] => [...s.matchAll(new RegExp(re.source, 'g'))];

type Headless = (html: string, o: { screenshot?: string; dumpDom?: boolean; width?: number; height?: number }) => { dom?: string };
let headless: Headless | undefined;
let noBrowser = '';

beforeAll(async () => {
  const ensure = (await import(pathToFileURL(join(root, 'scripts', 'ensure-chromium.mjs')).href)) as { findChromium: () => string | undefined };
  if (ensure.findChromium() === undefined) {
    noBrowser = 'no chromium (run: node scripts/ensure-chromium.mjs)';
    return;
  }
  headless = ((await import(pathToFileURL(join(root, 'scripts', 'screenshot.mjs')).href)) as { runHeadless: Headless }).runHeadless;
});

function render(name: string, results: BenchResults, height: number): { dom: string; png: string; html: string } {
  const html = renderHtmlReport(results, { source: `${name}.json` });
  const file = join(tmp, `${name}.html`);
  writeFileSync(file, html);
  const probed = join(tmp, `${name}.probed.html`);
  writeFileSync(probed, html.replace('</body>', `${PROBE}</body>`));
  const png = join(tmp, `${name}.png`);
  headless!(file, { screenshot: png, width: 1300, height });
  const { dom } = headless!(probed, { dumpDom: true, width: 1300, height });
  return { dom: dom!, png, html };
}

function pngSize(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  expect(b.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe('HTML report', () => {
  it('is static and self-contained', () => {
    const html = renderHtmlReport(abFixture());
    expect(html).not.toMatch(/<script|<link|(src|href)="https?:/);
    expect(html).toContain('<style>');
  });

  it('bench: Chromium draws RSS lines, ops/s bars with whiskers and ns/op bars for every workload and allocator', { timeout: 30_000 }, (ctx) => {
    if (headless === undefined) {
      console.warn(`[lab-report-html] browser check skipped: ${noBrowser}`);
      ctx.skip();
    }
    const { dom, png } = render('bench', benchFixture(), 2600);
    expect(dom).toContain('data-probed="yes"');
    const cs = charts(dom);
    // small: ops/s + ns/op + RSS; future_wall (seconds): wall time + RSS (no ns/op for a duration)
    expect(cs.map((c) => `${attr(c.attrs, 'data-workload')}:${c.cls}`)).toEqual([
      'random_mixed_small:bar-chart ops-chart',
      'random_mixed_small:bar-chart ns-chart',
      'random_mixed_small:line-chart rss-chart',
      'random_mixed_small:line-chart heap-chart',
      'future_wall:bar-chart ops-chart',
      'future_wall:line-chart rss-chart',
      'future_wall:line-chart series-chart',
    ]);
    for (const c of cs) expect(Number(attr(c.attrs, 'data-drawn-height'))).toBeGreaterThan(100);
    for (const c of cs.filter((x) => x.cls.includes('rss-chart') || x.cls.includes('series-chart'))) {
      expect(attr(c.attrs, 'data-series-count')).toBe('4');
      const paths = all(c.body, /<path class="series" data-series="([^"]*)" d="([^"]*)"[^>]*data-drawn-length="([^"]*)"/);
      expect(paths.map((p) => p[1])).toEqual(['noop', 'hakozuna@scale', 'tlsf', 'glibc']);
      for (const p of paths) {
        expect(p[2]).toMatch(/^M[\d.]+ [\d.]+( L[\d.]+ [\d.]+){5,}$/);
        expect(Number(p[3])).toBeGreaterThan(50);
      }
    }
    // Heap RSS: one line, hakozuna's (the peers have no heap of that kind), drawn, with the note under the charts.
    const heap = cs.find((c) => c.cls.includes('heap-chart'))!;
    expect(attr(heap.attrs, 'data-series-count')).toBe('1');
    const hp = all(heap.body, /<path class="series" data-series="([^"]*)" d="([^"]*)"[^>]*data-drawn-length="([^"]*)"/);
    expect(hp.map((p) => p[1])).toEqual(['hakozuna@scale']);
    expect(Number(hp[0]![3])).toBeGreaterThan(50);
    expect(dom).toMatch(/Heap RSS: hakozuna@scale: hakozuna arena: resident pages from mincore/);
    for (const c of cs.filter((x) => x.cls.includes('ops-chart'))) {
      const bars = all(c.body, /<rect class="bar" data-label="([^"]*)"[^>]*data-drawn-width="([^"]*)"/);
      expect(bars.map((b) => b[1])).toEqual(['noop', 'hakozuna@scale', 'tlsf', 'glibc']);
      for (const b of bars) expect(Number(b[2])).toBeGreaterThan(1);
      expect(all(c.body, /<g class="whisker"/)).toHaveLength(4);
    }
    const small = cs[0]!.body;
    // noop is the fastest: its bar is the longest
    const widths = all(small, /data-drawn-width="([^"]*)"/).map((m) => Number(m[1]));
    expect(Math.max(...widths)).toBe(widths[0]);
    expect(cs[4]!.body).toContain('seconds (lower is better)');
    const ns = all(cs[1]!.body, /<rect class="bar" data-label="([^"]*)"/).map((m) => m[1]);
    expect(ns).toEqual(['hakozuna@scale', 'tlsf', 'glibc']);
    // the machine and the command line
    expect(dom).toContain('Test CPU Model 9000');
    expect(dom).toMatch(/2 cores/);
    expect(dom).toContain('v20.20.2');
    expect(dom).toContain('hakozuna bench --reps 3');
    expect(dom).not.toContain('id="ab"');
    expect(dom).not.toContain('id="oneshot"');
    expect(pngSize(png)).toEqual({ width: 1300, height: 2600 });
    expect(statSync(png).size).toBeGreaterThan(50_000);
  });

  it('ab: the verdict table with GO / NO-GO, per-pair charts, and the one-shot lines of the lane under test', { timeout: 30_000 }, (ctx) => {
    if (headless === undefined) {
      console.warn(`[lab-report-html] browser check skipped: ${noBrowser}`);
      ctx.skip();
    }
    const results = abFixture();
    expect(results.ab!.verdict).toBe('NO-GO');
    const { dom, png } = render('ab', results, 2000);
    expect(dom).toMatch(/<h2>A\/B verdict <span class="verdict nogo big">NO-GO<\/span><\/h2>/);
    const rows = all(dom, /<tr data-workload="([^"]*)">([\s\S]*?)<\/tr>/);
    expect(rows.map((r) => r[1])).toEqual(['random_mixed_small', 'future_wall']);
    expect(rows[0]![2]).toContain('<span class="verdict go">GO</span>');
    expect(rows[0]![2]).toMatch(/class="num pass">-12\.\d%/); // mean RSS ~70 vs ~80 MiB in the timed window
    expect(rows[1]![2]).toContain('<span class="verdict nogo">NO-GO</span>');
    expect(rows[1]![2]).toMatch(/speed: -7\.4%.*needs -2\.0% or better: short by 5\.4 points/);
    // release calls per second: B made 300 calls over each run's stats window; A none; future_wall: no stats -> n/a
    expect(rows[0]![2]).toMatch(/<td class="num">0<\/td><td class="num">\d+(\.\d+)?<\/td>/);
    expect(rows[1]![2]).toContain('<td class="num">n/a</td><td class="num">n/a</td><td class="num">n/a</td>');
    const cs = charts(dom);
    const abCharts = cs.filter((c) => c.cls.includes('ab-chart'));
    expect(abCharts).toHaveLength(2);
    for (const c of abCharts) {
      expect(all(c.body, /<rect class="bar"[^>]*data-drawn-width="([^"]*)"/)).toHaveLength(6); // 2 workloads x 3 pairs
      expect(c.body).toContain('class="ref-line"');
    }
    const rss = cs.filter((c) => c.cls.includes('rss-chart'));
    expect(rss).toHaveLength(2);
    for (const c of rss) {
      const paths = all(c.body, /<path class="series" data-series="([^"]*)" d="(M[^"]+)"[^>]*data-drawn-length="([^"]*)"/);
      expect(paths.map((p) => p[1])).toEqual(['hakozuna@scale', 'hakozuna@mem']);
      for (const p of paths) expect(Number(p[3])).toBeGreaterThan(50);
    }
    expect(dom).toMatch(/<div class="oneshot" data-workload="random_mixed_small" data-allocator="hakozuna@mem">/);
    expect(dom).toContain('rep 1: [HZ3_S55_3_MEDIUM_SUBRELEASE] calls=10');
    expect(dom).toContain('hakozuna ab --a scale --b mem --bench small,future_wall --pairs 3');
    expect(pngSize(png).width).toBe(1300);
    if (process.env.HZ_KEEP_SCREENSHOTS) writeFileSync(join(process.env.HZ_KEEP_SCREENSHOTS, 'ab-fixture.png'), readFileSync(png));
  });

  it('the report of a real bench JSON renders when one is at hand', () => {
    const real = join(root, 'bench', 'out', 'doc-run', 'results.json');
    if (!existsSync(real)) return;
    const html = renderHtmlReport(JSON.parse(readFileSync(real, 'utf8')) as BenchResults);
    expect(all(html, /<path class="series"/).length).toBeGreaterThan(0);
  });
});
