/**
 * The HTML report of a bench or ab run: one self-contained static file (inline
 * CSS, inline SVG drawn by packages/lab/src/charts.ts, no script, no network), rendered
 * from results.json alone. Everything is driven by the JSON: the workloads, the
 * allocators, each workload's metric (ops/s or seconds), the RSS samples, the
 * `ab` section and the one-shot stats lines when they are there.
 *
 * `hakozuna report <results.json>` regenerates it; bench and ab write it beside
 * results.json as report.html.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { abPairsTable, fmtValue, gatedOn } from './ab-model.ts';
import type { AbSection } from './ab-section.ts';
import { ALLOCATORS } from './allocators.ts';
import { barChart, esc, fmtAxis, lineChart, PALETTE, type Bar, type LineSeries } from './charts.ts';
import type { BenchResults, RunRecord } from './results.ts';
import { allocatorLabel, runOneShotLines, runSeries, runSpeed, runValue, workloadMetric } from './run-metrics.ts';
import { heapRssOf } from '../bench/heap-rss.ts';
import { mtDetailTables, mtRows, mtThroughputTable } from './mt-bench.ts';
import { pooledVsSpawnTable, threadStartsTable } from './mt-threads-report.ts';
import { median } from './stats-math.ts';
import { allocatorStatsTable, ratioTables, throughputTable, type Table } from './table.ts';
import { fmtChange, fmtRate } from './verdict.ts';

const MIB = 1024 * 1024;

const isHakozunaId = (id: string): boolean => ALLOCATORS[id.split('@')[0]!]?.kind === 'hakozuna';

/** Allocator ids in report order: as listed in `allocators`, then any others found in the runs. */
function allocatorIds(r: BenchResults): string[] {
  const ids = r.allocators.map((a) => a.id);
  for (const run of r.runs) if (!ids.includes(run.allocator)) ids.push(run.allocator);
  return ids;
}

export function htmlTable(t: Table, className = ''): string {
  const head = t.headers.map((h, i) => `<th class="${t.align[i] === 'r' ? 'num' : ''}">${esc(h)}</th>`).join('');
  const body = t.rows
    .map((row) => `<tr>${row.map((c, i) => `<td class="${t.align[i] === 'r' ? 'num' : ''}">${esc(c)}</td>`).join('')}</tr>`)
    .join('\n');
  const foot = (t.footnotes ?? []).map((f) => `<p class="footnote">${esc(f)}</p>`).join('');
  return `<div class="table-wrap ${className}"><h3>${esc(t.title)}</h3><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${foot}</div>`;
}

/** The ok run of (workload, allocator) whose speed is the median one (lower middle for an even count). */
function representativeRun(runs: readonly RunRecord[], metric: ReturnType<typeof workloadMetric>): RunRecord | undefined {
  const ok = runs.filter((r) => r.ok);
  if (ok.length === 0) return undefined;
  const sorted = [...ok].sort((x, y) => (runSpeed(x, metric) ?? 0) - (runSpeed(y, metric) ?? 0));
  return sorted[(sorted.length - 1) >> 1];
}

function workloadCard(r: BenchResults, w: string, colors: Map<string, string>): string {
  const metric = workloadMetric(r, w);
  const ids = allocatorIds(r).filter((id) => r.runs.some((x) => x.workload === w && x.allocator === id));
  const spec = r.workloads.find((x) => x.name === w);
  const bars: Bar[] = ids.map((id) => {
    const runs = r.runs.filter((x) => x.workload === w && x.allocator === id);
    const vals = runs.map((x) => runValue(x, metric)).filter((v): v is number => v !== undefined);
    const failed = runs.length - vals.length;
    if (vals.length === 0) return { label: allocatorLabel(r, id), color: colors.get(id)!, text: `failed (${failed})` };
    const med = median(vals);
    return {
      label: allocatorLabel(r, id),
      value: med,
      min: Math.min(...vals),
      max: Math.max(...vals),
      color: colors.get(id)!,
      text: fmtValue(med, metric.kind) + (failed > 0 ? ` (${failed} failed)` : ''),
    };
  });
  const reps = Math.max(0, ...ids.map((id) => r.runs.filter((x) => x.workload === w && x.allocator === id).length));
  const charts: string[] = [];
  charts.push(
    barChart({
      title: `${metric.kind === 'seconds' ? 'Wall time' : metric.label} (median of ${reps}, whiskers min–max)`,
      bars,
      axisLabel: metric.kind === 'seconds' ? 'seconds (lower is better)' : `${metric.label} (higher is better)`,
      scale: 'linear',
      format: (v) => (metric.kind === 'seconds' ? `${Number(v.toPrecision(3))}` : fmtAxis(v)),
      className: 'ops-chart',
      data: { workload: w, metric: metric.kind },
    }),
  );
  const floorRows = r.summary.filter((s) => s.workload === w && s.nsAboveFloor !== undefined && s.allocator !== 'noop');
  if (metric.kind === 'ops/s' && floorRows.length > 0) {
    charts.push(
      barChart({
        title: 'ns/op above the noop floor (the allocator’s own cost)',
        bars: floorRows.map((s) => ({
          label: allocatorLabel(r, s.allocator),
          value: s.nsAboveFloor!,
          color: colors.get(s.allocator) ?? PALETTE[0]!,
          text: `${s.nsAboveFloor!.toFixed(1)} ns`,
        })),
        axisLabel: 'ns/op above floor (lower is better)',
        format: (v) => `${Number(v.toPrecision(3))}`,
        className: 'ns-chart',
        data: { workload: w },
      }),
    );
  }
  const series: LineSeries[] = [];
  for (const id of ids) {
    const run = representativeRun(
      r.runs.filter((x) => x.workload === w && x.allocator === id),
      metric,
    );
    const samples = run?.rss?.samples ?? [];
    if (run === undefined || samples.length === 0) continue;
    const markers: { x: number; label: string }[] = [];
    if (run.marks?.timed !== undefined) markers.push({ x: run.marks.timed / 1000, label: 'timed run starts' });
    if (run.marks?.end !== undefined) markers.push({ x: run.marks.end / 1000, label: 'timed run ends' });
    series.push({
      name: allocatorLabel(r, id),
      color: colors.get(id)!,
      points: samples.map(([t, b]) => [t / 1000, b / MIB] as const),
      markers,
    });
  }
  const intervalMs = r.runs.find((x) => x.workload === w && x.rss?.intervalMs !== undefined)?.rss?.intervalMs ?? 50;
  charts.push(
    lineChart({
      title: `RSS over time (statm every ${intervalMs} ms; the run of median speed)`,
      series,
      xLabel: 'seconds since the child started (ticks: timed run start / end)',
      yLabel: 'RSS MiB',
      yFormat: (v) => `${Number(v.toPrecision(4))}`,
      xFormat: (v) => `${Number(v.toPrecision(3))}`,
      className: 'rss-chart',
      width: 1000,
      height: 320,
      data: { workload: w },
    }),
  );
  // Heap RSS over time, where the runs measured it: the allocator's buffer as the OS sees it (mincore,
  // metadata + data) or, in record-only mode, its own account; peers whose memory the sampler cannot see have none.
  const heapSeries: LineSeries[] = [];
  const heapNotes: string[] = [];
  for (const id of ids) {
    const run = representativeRun(r.runs.filter((x) => x.workload === w && x.allocator === id), metric);
    const h = run?.heapRss;
    if (run === undefined || h === undefined) continue;
    heapNotes.push(`${allocatorLabel(r, id)}: ${h.note}`);
    const points = h.samples.map((x) => [x[0] / 1000, heapRssOf(x, h.source)] as const).filter((x): x is readonly [number, number] => x[1] !== undefined);
    if (points.length === 0) continue;
    const markers: { x: number; label: string }[] = [];
    if (run.marks?.timed !== undefined) markers.push({ x: run.marks.timed / 1000, label: 'timed run starts' });
    if (run.marks?.end !== undefined) markers.push({ x: run.marks.end / 1000, label: 'timed run ends' });
    heapSeries.push({ name: allocatorLabel(r, id), color: colors.get(id)!, points: points.map(([t, b]) => [t, b / MIB] as const), markers });
  }
  if (heapSeries.length > 0) {
    charts.push(
      lineChart({
        title: `Heap RSS over time (the allocator's buffer: mincore, or its own account in record-only mode; every ${intervalMs} ms)`,
        series: heapSeries,
        xLabel: 'seconds since the child started (ticks: timed run start / end)',
        yLabel: 'heap RSS MiB',
        yFormat: (v) => `${Number(v.toPrecision(4))}`,
        xFormat: (v) => `${Number(v.toPrecision(3))}`,
        className: 'heap-chart',
        width: 1000,
        height: 320,
        data: { workload: w },
      }),
    );
  }
  // The RSS breakdown over time (hakozuna's research lane): stacked, each line the sum of the parts below it.
  for (const id of ids) {
    const run = representativeRun(r.runs.filter((x) => x.workload === w && x.allocator === id && x.rssBreakdown !== undefined), metric);
    const bd = run?.rssBreakdown;
    if (run === undefined || bd === undefined || bd.samples.length === 0) continue;
    charts.push(breakdownChart(`RSS breakdown over time, ${allocatorLabel(r, id)} (stacked: each line is the sum of the parts up to it; samples at each 50 ms epoch)`, bd, w, id));
  }
  const heapNoteHtml = heapNotes.length > 0 ? `<p class="footnote heap-notes">Heap RSS: ${heapNotes.map(esc).join('; ')}. Allocators without a line have no heap of that kind (n/a).</p>` : '';
  // Named series the runs carry (e.g. burst_idle: RSS at the end of each idle window), one chart per name.
  const medianRuns = new Map<string, RunRecord>();
  for (const id of ids) {
    const run = representativeRun(r.runs.filter((x) => x.workload === w && x.allocator === id), metric);
    if (run !== undefined) medianRuns.set(id, run);
  }
  const names = [...new Set([...medianRuns.values()].flatMap((run) => Object.keys(runSeries(run))))];
  for (const name of names) {
    const bytes = /rss|bytes|resident/i.test(name);
    const lines: LineSeries[] = [];
    for (const [id, run] of medianRuns) {
      const v = runSeries(run)[name];
      if (v === undefined) continue;
      lines.push({ name: allocatorLabel(r, id), color: colors.get(id)!, points: v.map((y, i) => [i + 1, bytes ? y / MIB : y] as const) });
    }
    charts.push(
      lineChart({
        title: `${name} (the run of median speed)`,
        series: lines,
        xLabel: 'index in the series (round, idle window, ...)',
        yLabel: bytes ? `${name} MiB` : name,
        yFormat: (v) => `${Number(v.toPrecision(4))}`,
        xFormat: (v) => (Number.isInteger(v) ? String(v) : ''),
        className: 'series-chart',
        width: 1000,
        height: 280,
        data: { workload: w, series: name },
      }),
    );
  }
  const params = spec ? Object.entries(spec.params).map(([k, v]) => `${k}=${v}`).join(' ') : '';
  return (
    `<section class="card workload" id="w-${esc(w)}" data-workload="${esc(w)}">` +
    `<h2>${esc(w)} <span class="metric">${esc(metric.label)}</span></h2>` +
    (spec ? `<p class="desc">${esc(spec.description)}${params ? ` — <code>${esc(params)}</code>` : ''}</p>` : '') +
    `<div class="charts">${charts.map((c) => `<figure${c.includes('line-chart') ? ' class="wide"' : ''}>${c}</figure>`).join('')}</div>${heapNoteHtml}</section>`
  );
}

function verdictBadge(v: 'GO' | 'NO-GO', big = false): string {
  return `<span class="verdict ${v === 'GO' ? 'go' : 'nogo'}${big ? ' big' : ''}">${v}</span>`;
}

function ratioCell(x: number | undefined, good: boolean | undefined): string {
  if (x === undefined) return '<td class="num">n/a</td>';
  const cls = good === undefined ? '' : good ? ' pass' : ' fail';
  return `<td class="num${cls}">${esc(fmtChange(x))} <small>(${x.toFixed(3)})</small></td>`;
}

function abSection(ab: AbSection): string {
  const c = ab.criteria;
  const rows = ab.workloads
    .map((w) => {
      const pairs = w.pairs.filter((p) => p.speedRatio !== undefined || p.rssRatio !== undefined).length;
      const rssOk = w.rssRatio === undefined ? undefined : w.rssRatio <= c.rssMaxRatio * (1 + 1e-9);
      const spOk = w.speedRatio === undefined ? undefined : w.speedRatio >= c.speedMinRatio * (1 - 1e-9);
      // The gated RSS cell is coloured; the other is shown beside it.
      const heapGated = (w.rssBasis ?? 'process') === 'heap';
      return (
        `<tr data-workload="${esc(w.workload)}"><td>${esc(w.workload)}</td><td>${esc(w.metricLabel)}</td><td class="num">${pairs}</td>` +
        ratioCell(w.speedRatio, spOk) +
        ratioCell(w.heapRssRatio, heapGated ? rssOk : undefined) +
        ratioCell(w.processRssRatio ?? (heapGated ? undefined : w.rssRatio), heapGated ? undefined : rssOk) +
        `<td>${esc(gatedOn({ rssBasis: w.rssBasis ?? 'process', ...(w.heapRssSource !== undefined ? { heapRssSource: w.heapRssSource } : {}) }))}</td>` +
        `<td class="num">${esc(fmtRate(w.releaseCallsPerSec.a))}</td><td class="num">${esc(fmtRate(w.releaseCallsPerSec.b))}</td>` +
        `<td class="num">${w.residentRatio === undefined ? 'n/a' : esc(fmtChange(w.residentRatio))}</td>` +
        `<td>${verdictBadge(w.verdict)}</td><td class="reason">${esc(w.reasons.join('; '))}</td></tr>`
      );
    })
    .join('\n');
  const sideText = (s: AbSection['a']): string =>
    `<code>${esc(s.id)}</code>` +
    (s.base ? ` (base ${esc(s.base)})` : '') +
    (s.flags && Object.keys(s.flags).length > 0 ? ` flags ${Object.entries(s.flags).map(([k, v]) => `<code>${esc(k)}=${v}</code>`).join(' ')}` : '');
  // Per-pair ratio chart: one bar per pair and workload for speed and for RSS.
  const pairBars = (key: 'speedRatio' | 'rssRatio'): Bar[] =>
    ab.workloads.flatMap((w) =>
      w.pairs.map((p) => ({
        label: `${w.workload} #${p.pair + 1}`,
        ...(p[key] !== undefined ? { value: (p[key]! - 1) * 100 } : {}),
        color: key === 'speedRatio' ? PALETTE[0]! : PALETTE[1]!,
        text: p[key] !== undefined ? fmtChange(p[key]!) : 'n/a',
      })),
    );
  const charts =
    `<figure>${barChart({ title: `Speed B/A per pair (gate: ${fmtChange(c.speedMinRatio)} or better)`, bars: pairBars('speedRatio'), axisLabel: 'speed change, % (B vs A)', scale: 'linear', refLines: [{ value: (c.speedMinRatio - 1) * 100, label: `gate ${fmtChange(c.speedMinRatio)}` }], format: (v) => `${Number(v.toPrecision(3))}%`, className: 'ab-chart ab-speed' })}</figure>` +
    `<figure>${barChart({ title: `Mean ${ab.workloads.some((w) => w.rssBasis === 'heap') ? 'heap ' : ''}RSS B/A per pair, as gated (gate: ${fmtChange(c.rssMaxRatio)} or better)`, bars: pairBars('rssRatio'), axisLabel: 'mean RSS change, % (B vs A)', scale: 'linear', refLines: [{ value: (c.rssMaxRatio - 1) * 100, label: `gate ${fmtChange(c.rssMaxRatio)}` }], format: (v) => `${Number(v.toPrecision(3))}%`, className: 'ab-chart ab-rss' })}</figure>`;
  return (
    `<section class="card ab" id="ab"><h2>A/B verdict ${verdictBadge(ab.verdict, true)}</h2>` +
    `<p>A = ${sideText(ab.a)} &nbsp; B = ${sideText(ab.b)}; ${ab.pairs} pair(s), run A B A B …, each run its own process with the same parameters.</p>` +
    `<p class="gate">GO when the median of the per-pair B/A ratios of mean heap RSS (process RSS where a side has no heap RSS) is ${esc(fmtChange(c.rssMaxRatio))} or better <b>and</b> of speed ${esc(fmtChange(c.speedMinRatio))} or better` +
    (c.maxReleaseCallsPerSec !== undefined ? ` and B makes at most ${esc(fmtRate(c.maxReleaseCallsPerSec))} release calls/s` : '; release calls per second are shown, not gated') +
    `.</p><ul class="reasons">${ab.reasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` +
    `<table class="verdict-table"><thead><tr><th>workload</th><th>metric</th><th class="num">pairs</th><th class="num">speed B/A</th><th class="num">heap RSS B/A</th><th class="num">process RSS B/A</th><th>gated on</th>` +
    `<th class="num">release calls/s A</th><th class="num">release calls/s B</th><th class="num" title="the allocator's own resident bytes at the end of the run (heap.stats()); not gated">heap resident B/A</th><th>verdict</th><th>reason</th></tr></thead><tbody>${rows}</tbody></table>` +
    `<p class="footnote">Heap RSS is the mean over the timed run of the heap's resident bytes (mincore of the arena, metadata + data; the allocator's own account in record-only mode). Process RSS is the whole process, Node and the sampler included (about 58 MiB of a JS child); heap resident is the allocator's own resident bytes at the end of the run, shown, not gated.</p>` +
    (() => {
      const notes = [...new Set(ab.workloads.flatMap((w) => [w.heapRssNotes?.a, w.heapRssNotes?.b]).filter((x): x is string => x !== undefined))];
      return notes.length > 0 ? `<ul class="heap-notes">${notes.map((n) => `<li>heap RSS of ${esc(n)}</li>`).join('')}</ul>` : '';
    })() +
    `<div class="charts">${charts}</div>` +
    htmlTable(abPairsTable(ab), 'pairs') +
    `</section>`
  );
}

function machineSection(r: BenchResults): string {
  const m = r.meta;
  const o = m.options as Record<string, unknown>;
  const dur = m.finishedAt ? (Date.parse(m.finishedAt) - Date.parse(m.startedAt)) / 1000 : undefined;
  const rows: [string, string][] = [
    ['command', m.command],
    ['machine', `${m.cpus} cores, ${m.cpuModel}, ${(m.totalMemBytes / 1024 ** 3).toFixed(1)} GiB, ${m.platform}/${m.arch}`],
    ['node', `${m.node} (V8 ${m.v8})`],
    ['commit', m.git ? `${m.git.commit.slice(0, 12)}${m.git.dirty ? ' + uncommitted changes' : ''}` : 'unknown'],
    ['started', `${m.startedAt}${dur !== undefined ? ` (${dur.toFixed(0)} s)` : ''}`],
  ];
  const opt = Object.entries(o)
    .filter(([, v]) => v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  if (opt) rows.push(['options', opt]);
  if (o.laneFlags && typeof o.laneFlags === 'object') rows.push(['flags', Object.entries(o.laneFlags as object).map(([k, v]) => `${k}=${v}`).join(' ')]);
  const lanes = r.allocators
    .filter((a) => a.lane !== undefined)
    .map((a) => {
      const l = a.lane as { lane?: string; flags?: Record<string, number> };
      return `${a.id}: lane ${l.lane ?? '?'}`;
    });
  if (lanes.length > 0) rows.push(['lanes', lanes.join('; ')]);
  const skipped = r.allocators.filter((a) => a.status === 'skipped').map((a) => `${a.id} (${a.note ?? 'skipped'})`);
  if (skipped.length > 0) rows.push(['skipped', skipped.join('; ')]);
  return (
    `<section class="card machine" id="machine"><h2>Run</h2><table class="kv">` +
    rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td${k === 'command' ? ' class="cmd"' : ''}>${esc(v)}</td></tr>`).join('') +
    `</table></section>`
  );
}

/** Lane flags that differ between hakozuna variants of the run (or from defaults, when only one). */
function laneFlagsSection(r: BenchResults): string {
  const hz = r.allocators.filter((a) => a.lane !== undefined && typeof (a.lane as { flags?: unknown }).flags === 'object');
  if (hz.length === 0) return '';
  const flags = hz.map((a) => (a.lane as { flags: Record<string, number> }).flags);
  const names = [...new Set(flags.flatMap((f) => Object.keys(f)))];
  const differing = hz.length > 1 ? names.filter((n) => new Set(flags.map((f) => f[n])).size > 1) : [];
  const shown = differing.length > 0 ? differing : names;
  const head = `<tr><th>flag</th>${hz.map((a) => `<th class="num">${esc(a.id)}</th>`).join('')}</tr>`;
  const body = shown.map((n) => `<tr><td><code>${esc(n)}</code></td>${flags.map((f) => `<td class="num">${f[n] ?? '-'}</td>`).join('')}</tr>`).join('');
  return (
    `<details class="card flags"><summary>Lane flags${differing.length > 0 ? ' that differ between the variants' : ''} (${shown.length})</summary>` +
    `<table><thead>${head}</thead><tbody>${body}</tbody></table></details>`
  );
}

function oneShotSection(r: BenchResults): string {
  const blocks: string[] = [];
  for (const w of r.workloads.map((x) => x.name)) {
    for (const id of allocatorIds(r)) {
      const runs = r.runs.filter((x) => x.workload === w && x.allocator === id);
      const lines = runs.flatMap((x) => runOneShotLines(x).map((l) => (runs.length > 1 ? `rep ${x.rep + 1}: ${l}` : l)));
      if (lines.length === 0) continue;
      blocks.push(
        `<div class="oneshot" data-workload="${esc(w)}" data-allocator="${esc(id)}"><h3>${esc(w)} × ${esc(allocatorLabel(r, id))}</h3><pre>${esc(lines.join('\n'))}</pre></div>`,
      );
    }
  }
  if (blocks.length === 0) return '';
  return `<section class="card" id="oneshot"><h2>One-shot stats lines (printed by the lane at exit)</h2>${blocks.join('')}</section>`;
}

const CSS = `
:root { --fg:#1d2330; --muted:#5b6473; --line:#e3e6eb; --bg:#f5f6f8; --go:#1b7f3b; --nogo:#b3261e; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px; font: 14px/1.45 "DejaVu Sans", "Liberation Sans", system-ui, sans-serif; color: var(--fg); background: var(--bg); }
h1 { margin: 0 0 4px; font-size: 22px; }
h2 { font-size: 17px; margin: 0 0 8px; }
h3 { font-size: 14px; margin: 12px 0 6px; }
header p { margin: 0 0 16px; color: var(--muted); }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px; margin: 0 0 16px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; flex: 1 1 520px; max-width: 600px; }
figure.wide { flex: 1 1 100%; max-width: 1100px; }
figure svg { width: 100%; height: auto; display: block; }
.metric { font-weight: normal; color: var(--muted); font-size: 13px; margin-left: 6px; }
.desc { color: var(--muted); margin: 0 0 10px; }
table { border-collapse: collapse; font-size: 12.5px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: #fafbfc; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.pass { color: var(--go); font-weight: 600; }
td.fail { color: var(--nogo); font-weight: 600; }
td.reason { max-width: 520px; }
table.kv th { width: 90px; background: none; }
td.cmd { font-family: "DejaVu Sans Mono", monospace; }
.table-wrap { overflow-x: auto; margin-top: 8px; }
.footnote { color: var(--muted); font-size: 12px; margin: 4px 0; }
.verdict { white-space: nowrap; display: inline-block; padding: 1px 8px; border-radius: 4px; color: #fff; font-weight: 700; font-size: 12px; letter-spacing: .3px; }
.verdict.go { background: var(--go); }
.verdict.nogo { background: var(--nogo); }
.verdict.big { font-size: 15px; padding: 2px 12px; margin-left: 8px; vertical-align: 2px; }
ul.reasons { margin: 6px 0 10px; padding-left: 20px; }
.gate { color: var(--muted); }
pre { background: #f7f8fa; border: 1px solid var(--line); border-radius: 4px; padding: 8px; font-size: 12px; overflow-x: auto; margin: 0; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
details summary { cursor: pointer; font-weight: 600; }
svg text { font-family: "DejaVu Sans", "Liberation Sans", sans-serif; font-size: 11px; fill: #333; }
svg .chart-title { font-size: 12.5px; font-weight: 600; }
svg .ref-label { fill: #b3261e; font-size: 10.5px; }
svg .axis-label { fill: var(--muted); }
svg .grid line { stroke: #eceef1; }
svg .x-axis line { stroke: #9aa1ab; }
svg .whisker line { stroke: #222; stroke-width: 1.3; }
svg .bar-value { fill: #222; }
footer { color: var(--muted); font-size: 12px; }
`;

export interface HtmlReportOptions {
  /** Shown in the footer: where the JSON came from. */
  readonly source?: string;
}

/** The whole report as one HTML string. */
export function renderHtmlReport(r: BenchResults, opts: HtmlReportOptions = {}): string {
  const colors = new Map<string, string>();
  allocatorIds(r).forEach((id, i) => colors.set(id, PALETTE[i % PALETTE.length]!));
  const title = r.ab ? `hakozuna A/B: ${r.ab.a.id} vs ${r.ab.b.id}` : 'hakozuna bench';
  const workloads = r.workloads.map((w) => w.name);
  const sections: string[] = [];
  if (r.ab) sections.push(abSection(r.ab));
  sections.push(machineSection(r));
  sections.push(laneFlagsSection(r));
  for (const w of workloads) sections.push(workloadCard(r, w, colors));
  const tables: string[] = [];
  try {
    tables.push(htmlTable(throughputTable(r)));
    for (const t of ratioTables(r)) tables.push(htmlTable(t));
    const st = allocatorStatsTable(r, isHakozunaId);
    if (st) tables.push(htmlTable(st));
    // The multi-worker tables: per-workload details, thread starts (pooled / spawn) and the two modes side by side.
    const rows = mtRows(r);
    if (rows.length > 0) {
      const mt = mtThroughputTable(r);
      if (mt) tables.push(htmlTable(mt));
      for (const d of mtDetailTables(r)) tables.push(htmlTable(d));
      const ts = threadStartsTable(rows);
      if (ts) tables.push(htmlTable(ts, 'thread-starts'));
      const pv = pooledVsSpawnTable(rows);
      if (pv) tables.push(htmlTable(pv, 'pooled-vs-spawn'));
    }
  } catch (e) {
    tables.push(`<p>tables could not be drawn: ${esc((e as Error).message)}</p>`);
  }
  sections.push(`<section class="card" id="tables"><h2>Tables</h2>${tables.join('')}</section>`);
  sections.push(oneShotSection(r));
  if (r.notes.length > 0) sections.push(`<section class="card" id="notes"><h2>Notes</h2><ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul></section>`);
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<header><h1>${esc(title)}</h1><p>${esc(workloads.join(', '))} · ${esc(r.meta.startedAt)} · ${r.meta.cpus} cores, ${esc(r.meta.cpuModel)}, Node ${esc(r.meta.node)}</p></header>`,
    ...sections.filter((s) => s !== ''),
    `<footer>Generated by <code>hakozuna report</code> from ${esc(opts.source ?? 'results.json')} (schema ${esc(r.schema)}${r.ab ? ', ' + esc(r.ab.schema) : ''}). Static file: no scripts, no network.</footer>`,
    '</body></html>',
    '',
  ].join('\n');
}

/** Write the report of `results` to `outFile`. */
export function writeHtmlReport(results: BenchResults, outFile: string, opts: HtmlReportOptions = {}): string {
  writeFileSync(outFile, renderHtmlReport(results, opts));
  return outFile;
}

/** Read a results.json and write its report (default: report.html beside it). */
export function reportFromFile(jsonFile: string, outFile?: string): { outFile: string; results: BenchResults } {
  const file = resolve(jsonFile);
  let results: BenchResults;
  try {
    results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (typeof results !== 'object' || results === null || !Array.isArray(results.runs) || !Array.isArray(results.workloads) || results.meta === undefined) {
    throw new Error(`${file} is not a hakozuna results.json (schema hakozuna-bench/1): it has no meta, workloads and runs`);
  }
  const out = resolve(outFile ?? join(dirname(file), 'report.html'));
  writeHtmlReport(results, out, { source: file });
  return { outFile: out, results };
}

/** A stacked line chart of an RSS breakdown series: line k is the sum of parts 0..k, so the top line is `resident`. */
export function breakdownChart(title: string, bd: NonNullable<RunRecord['rssBreakdown']>, workload: string, allocator: string): string {
  const series: LineSeries[] = [];
  const running = bd.samples.map(() => 0);
  bd.keys.forEach((key, k) => {
    const points = bd.samples.map((s, i) => {
      running[i]! += s[k + 1]!;
      return [s[0]! / 1000, running[i]! / MIB] as const;
    });
    series.push({ name: key, color: PALETTE[k % PALETTE.length]!, points });
  });
  return lineChart({
    title,
    series,
    xLabel: 'seconds since the child started',
    yLabel: 'MiB (cumulative)',
    yFormat: (v) => `${Number(v.toPrecision(4))}`,
    xFormat: (v) => `${Number(v.toPrecision(3))}`,
    className: 'breakdown-chart',
    width: 1000,
    height: 320,
    zeroBased: true,
    data: { workload, allocator },
  });
}
