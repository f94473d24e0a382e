/**
 * Tables for the terminal (aligned plain text) and for docs (Markdown), from
 * the same rows. `benchReport` turns results into the three tables the bench
 * prints: throughput and RSS, hakozuna against each peer, hakozuna's own figures.
 */
import type { BenchResults, RatioRow, SummaryRow } from './results.ts';

export type Align = 'l' | 'r';

export interface Table {
  readonly title: string;
  readonly headers: readonly string[];
  readonly align: readonly Align[];
  readonly rows: readonly (readonly string[])[];
  readonly footnotes?: readonly string[];
}

export function renderText(t: Table): string {
  const widths = t.headers.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (t.align[i] === 'r' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const lines = [t.title, fmt(t.headers), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(fmt)];
  for (const f of t.footnotes ?? []) lines.push(f);
  return lines.join('\n');
}

export function renderMarkdown(t: Table): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  const lines = [
    `**${t.title}**`,
    '',
    `| ${t.headers.map(esc).join(' | ')} |`,
    `| ${t.align.map((a) => (a === 'r' ? '---:' : '---')).join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
  if (t.footnotes && t.footnotes.length > 0) lines.push('', ...t.footnotes);
  return lines.join('\n');
}

const MIB = 1024 * 1024;

export function fmtMops(opsPerSec: number): string {
  const m = opsPerSec / 1e6;
  return m >= 10 ? m.toFixed(1) : m >= 1 ? m.toFixed(2) : m.toFixed(3);
}

export function fmtMiB(bytes: number | undefined): string {
  return bytes === undefined || !Number.isFinite(bytes) ? '-' : (bytes / MIB).toFixed(1);
}

export function fmtCount(n: number): string {
  if (n >= 1e6 && n % 1e5 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 100 === 0) return `${n / 1e3}k`;
  return String(n);
}

function fmtRatio(r: RatioRow | undefined): string {
  if (r === undefined) return '-';
  const v = r.ratio >= 100 ? r.ratio.toFixed(0) : r.ratio >= 10 ? r.ratio.toFixed(1) : r.ratio.toFixed(2);
  if (r.target === undefined) return v;
  return `${v} ${r.met ? 'ok' : 'MISS'} (>=${r.target})`;
}

export function throughputTable(results: BenchResults): Table {
  const rows = results.summary.map((s: SummaryRow): string[] => {
    if (s.skipped !== undefined) return [s.workload, s.allocator, '-', 'skipped', '', '', '', '', '', '', '', '', '', ''];
    if (s.opsPerSec === undefined) return [s.workload, s.allocator, fmtCount(s.iterations), `failed (${s.failedRuns})`, '', '', '', '', '', '', '', '', '', ''];
    const o = s.opsPerSec;
    return [
      s.workload,
      s.allocator,
      fmtCount(s.iterations),
      fmtMops(o.median),
      `${fmtMops(o.min)}-${fmtMops(o.max)}`,
      s.nsPerOp!.toFixed(1),
      s.nsAboveFloor === undefined ? '-' : s.nsAboveFloor.toFixed(1),
      s.fractionOfFloor === undefined ? '-' : s.fractionOfFloor.toFixed(2),
      fmtMiB(s.rss?.mean),
      fmtMiB(s.rss?.p95),
      fmtMiB(s.rss?.max),
      fmtMiB(s.maxRssBytes),
      fmtHeapRss(s, 'mean'),
      fmtHeapRss(s, 'max'),
    ];
  });
  const reps = Math.max(0, ...results.summary.map((s) => s.okRuns + s.failedRuns));
  return {
    title: `Throughput and RSS (median of ${reps} run${reps === 1 ? '' : 's'} each)`,
    headers: ['workload', 'allocator', 'iters', 'M ops/s', 'min-max', 'ns/op', '+ns/op vs noop', 'x noop', 'RSS mean', 'RSS p95', 'RSS max', 'maxRSS', 'heap RSS mean', 'heap RSS max'],
    align: ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows,
    footnotes: [
      'RSS columns in MiB over the timed run (statm every 50 ms), maxRSS = getrusage peak of the whole child process.',
      'RSS of JS children includes Node itself and the sampler worker (the noop row shows that base); glibc is a plain C process.',
      ...heapRssFootnotes(results.summary),
    ],
  };
}

/** Heap RSS of a summary row, MiB: `n/a` where the allocator has no heap the sampler can see; `*` marks the record-only account. */
export function fmtHeapRss(s: SummaryRow, k: 'mean' | 'max'): string {
  const h = s.heapRss;
  if (h === undefined || h.source === 'none' || !Number.isFinite(h[k])) return 'n/a';
  return fmtMiB(h[k]) + (h.source === 'account' ? '*' : '');
}

/** What the heap RSS columns are, and each kind of source that appears. */
export function heapRssFootnotes(summary: readonly SummaryRow[]): string[] {
  const out = ['heap RSS in MiB over the timed run: the allocator\'s buffer as mincore sees it (hakozuna: arena metadata + data, at every RSS sample); n/a: no such heap (gc, glibc, noop, a peer over a private ArrayBuffer).'];
  const notes = [...new Set(summary.map((s) => s.heapRss).filter((h) => h !== undefined && h.source !== 'mincore').map((h) => h!.note))];
  if (summary.some((s) => s.heapRss?.source === 'account')) out.push('* record-only mode (no release addon, so no mincore): the allocator\'s own account, stats().residentBytes, at the same samples.');
  for (const n of notes) out.push(`  ${n}`);
  return out;
}

export function ratioTables(results: BenchResults): Table[] {
  const tables: Table[] = [];
  const nums = [...new Set(results.ratios.map((r) => r.numerator))];
  for (const h of nums) {
    const peers = [...new Set(results.ratios.filter((r) => r.numerator === h).map((r) => r.denominator))];
    const workloads = [...new Set(results.ratios.filter((r) => r.numerator === h).map((r) => r.workload))];
    const rows = workloads.map((w) => [
      w,
      ...peers.map((p) => fmtRatio(results.ratios.find((r) => r.numerator === h && r.denominator === p && r.workload === w))),
    ]);
    tables.push({
      title: `${h}: ops/s ratio to each allocator (median / median; ok / MISS: against the least ratio in TARGETS, packages/lab/src/targets.ts)`,
      headers: ['workload', ...peers.map((p) => `${h}/${p}`)],
      align: ['l', ...peers.map((): Align => 'r')],
      rows,
    });
  }
  return tables;
}

/** hakozuna's own figures from heap.stats() at the end of the run (median over reps). */
export function allocatorStatsTable(results: BenchResults, isHakozuna: (id: string) => boolean): Table | undefined {
  const rows = results.summary.filter((s) => isHakozuna(s.allocator) && s.allocatorStats !== undefined);
  if (rows.length === 0) return undefined;
  const preferred = ['residentBytes', 'metadataBytes', 'bytesInUse'];
  const keys = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r.allocatorStats!)) keys.add(k);
  const main = preferred.filter((k) => keys.has(k));
  const others = [...keys].filter((k) => !main.includes(k));
  const missing = preferred.filter((k) => !keys.has(k));
  return {
    title: 'hakozuna heap.stats() at the end of the timed run (after the workload freed everything; median over reps)',
    headers: ['workload', 'allocator', ...main.map((k) => (k.endsWith('Bytes') ? `${k} MiB` : k)), 'other fields'],
    align: ['l', 'l', ...main.map((): Align => 'r'), 'l'],
    rows: rows.map((r) => {
      const s = r.allocatorStats!;
      return [
        r.workload,
        r.allocator,
        ...main.map((k) => (k.endsWith('Bytes') ? fmtMiB(s[k]) : String(s[k]))),
        others.filter((k) => s[k] !== undefined).map((k) => `${k}=${s[k]}`).join(' '),
      ];
    }),
    ...(missing.length > 0 ? { footnotes: [`stats() has no ${missing.join(', ')}`] } : {}),
  };
}

export function benchReport(results: BenchResults, isHakozuna: (id: string) => boolean, render: (t: Table) => string = renderText): string {
  const parts: string[] = [];
  parts.push(render(throughputTable(results)));
  for (const t of ratioTables(results)) parts.push(render(t));
  const st = allocatorStatsTable(results, isHakozuna);
  if (st) parts.push(render(st));
  if (results.notes.length > 0) parts.push(['Notes:', ...results.notes.map((n) => `- ${n}`)].join('\n'));
  return parts.join('\n\n') + '\n';
}
