/**
 * Small SVG charts drawn as strings in Node, for the static HTML report: no
 * script, no network, no library. Two kinds:
 * - {@link lineChart}: time series (RSS over time), one path per series;
 * - {@link barChart}: horizontal bars with optional min-max whiskers
 *   (ops/s per allocator, ns/op above the floor), linear or log scale.
 *
 * Every drawn element carries a class and data-* attributes so that a test can
 * check the chart from the DOM (`path.series[data-series]`, `rect.bar[data-label]`).
 */

/** Categorical palette (Tableau 10), readable on white. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const r2 = (x: number): string => (Math.round(x * 100) / 100).toString();

/** About `count` round tick values covering [lo, hi] (1, 2, 5 x 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi <= lo) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const start = Math.floor(lo / step + 1e-9) * step;
  const end = Math.ceil(hi / step - 1e-9) * step;
  const out: number[] = [];
  for (let v = start; v <= end + step * 1e-6; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

/** Powers of ten covering [lo, hi] (lo > 0). */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const out: number[] = [];
  for (let k = a; k <= Math.max(b, a + 1); k++) out.push(10 ** k);
  return out;
}

/** Default number format for axes: 3 significant digits, k/M suffixes. */
export function fmtAxis(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return r2(v / 1e9) + 'G';
  if (a >= 1e6) return r2(v / 1e6) + 'M';
  if (a >= 1e4) return r2(v / 1e3) + 'k';
  if (a === 0) return '0';
  if (a < 0.01) return v.toExponential(0);
  return Number(v.toPrecision(3)).toString();
}

/**
 * At most `max` points, keeping each bucket's first, min and max points so that
 * spikes survive (an RSS series of a long run has thousands of 50 ms samples).
 */
export function downsample(points: readonly (readonly [number, number])[], max = 1200): (readonly [number, number])[] {
  if (points.length <= max) return [...points];
  const buckets = Math.max(1, Math.floor(max / 3));
  const size = points.length / buckets;
  const out: (readonly [number, number])[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(b * size);
    const to = Math.min(points.length, Math.floor((b + 1) * size));
    if (from >= to) continue;
    let lo = from;
    let hi = from;
    for (let i = from; i < to; i++) {
      if (points[i]![1] < points[lo]![1]) lo = i;
      if (points[i]![1] > points[hi]![1]) hi = i;
    }
    for (const i of [...new Set([from, lo, hi])].sort((x, y) => x - y)) out.push(points[i]!);
  }
  const last = points[points.length - 1]!;
  if (out[out.length - 1] !== last) out.push(last);
  return out;
}

export interface LineSeries {
  readonly name: string;
  readonly color: string;
  /** [x, y] in data units, x ascending. */
  readonly points: readonly (readonly [number, number])[];
  readonly dashed?: boolean;
  /** Small labelled ticks on the line, e.g. the start and end of the timed window. */
  readonly markers?: readonly { readonly x: number; readonly label: string }[];
}

export interface LineChartOptions {
  readonly title: string;
  readonly series: readonly LineSeries[];
  readonly xLabel: string;
  readonly yLabel: string;
  readonly width?: number;
  readonly height?: number;
  readonly xFormat?: (v: number) => string;
  readonly yFormat?: (v: number) => string;
  /** Start the y axis at 0 (default: fit the data with a margin). */
  readonly zeroBased?: boolean;
  /** Extra class on the <svg>. */
  readonly className?: string;
  readonly data?: Readonly<Record<string, string>>;
}

function dataAttrs(data: Readonly<Record<string, string>> | undefined): string {
  if (!data) return '';
  return Object.entries(data)
    .map(([k, v]) => ` data-${k}="${esc(v)}"`)
    .join('');
}

/** y on the drawn line at x (linear between the points around it); undefined outside the series. */
function yValueAt(points: readonly (readonly [number, number])[], x: number): number | undefined {
  if (points.length === 0 || x < points[0]![0] || x > points[points.length - 1]![0]) return undefined;
  for (let i = 1; i < points.length; i++) {
    const [x0, y0] = points[i - 1]!;
    const [x1, y1] = points[i]!;
    if (x <= x1) return x1 === x0 ? y1 : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
  }
  return points[points.length - 1]![1];
}

export function lineChart(o: LineChartOptions): string {
  const W = o.width ?? 560;
  const legendW = 168;
  const H = o.height ?? 300;
  const m = { l: 58, r: legendW + 12, t: 30, b: 42 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const xf = o.xFormat ?? fmtAxis;
  const yf = o.yFormat ?? fmtAxis;
  const series = o.series.map((s) => ({ ...s, points: downsample(s.points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]))) }));
  const all = series.flatMap((s) => s.points);
  const parts: string[] = [];
  parts.push(
    `<svg class="chart line-chart${o.className ? ' ' + esc(o.className) : ''}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(o.title)}"${dataAttrs(o.data)} data-series-count="${series.length}">`,
  );
  parts.push(`<title>${esc(o.title)}</title>`);
  parts.push(`<text class="chart-title" x="${m.l}" y="18">${esc(o.title)}</text>`);
  if (all.length === 0) {
    parts.push(`<text class="empty" x="${m.l + pw / 2}" y="${m.t + ph / 2}" text-anchor="middle">no samples</text></svg>`);
    return parts.join('');
  }
  let xmin = Math.min(...all.map((p) => p[0]));
  let xmax = Math.max(...all.map((p) => p[0]));
  let ymin = Math.min(...all.map((p) => p[1]));
  let ymax = Math.max(...all.map((p) => p[1]));
  if (o.zeroBased) ymin = Math.min(0, ymin);
  else {
    const pad = (ymax - ymin) * 0.08 || Math.abs(ymax) * 0.05 || 1;
    ymin = ymin >= 0 ? Math.max(0, ymin - pad) : ymin - pad;
    ymax = ymax + pad;
  }
  const yt = niceTicks(ymin, ymax, 5);
  ymin = yt[0]!;
  ymax = yt[yt.length - 1]!;
  if (xmax <= xmin) xmax = xmin + 1;
  const xt = niceTicks(xmin, xmax, 6).filter((v) => v >= xmin - 1e-9 && v <= xmax + 1e-9);
  const X = (v: number): number => m.l + ((v - xmin) / (xmax - xmin)) * pw;
  const Y = (v: number): number => m.t + ph - ((v - ymin) / (ymax - ymin || 1)) * ph;
  // grid and axes
  parts.push('<g class="grid">');
  for (const v of yt) parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${r2(Y(v))}" y2="${r2(Y(v))}"/>`);
  parts.push('</g><g class="axis y-axis">');
  for (const v of yt) parts.push(`<text x="${m.l - 6}" y="${r2(Y(v) + 4)}" text-anchor="end">${esc(yf(v))}</text>`);
  parts.push(`<text class="axis-label" transform="translate(14 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  parts.push('</g><g class="axis x-axis">');
  parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${m.t + ph}" y2="${m.t + ph}"/>`);
  for (const v of xt) {
    parts.push(`<line x1="${r2(X(v))}" x2="${r2(X(v))}" y1="${m.t + ph}" y2="${m.t + ph + 4}"/>`);
    parts.push(`<text x="${r2(X(v))}" y="${m.t + ph + 16}" text-anchor="middle">${esc(xf(v))}</text>`);
  }
  parts.push(`<text class="axis-label" x="${m.l + pw / 2}" y="${H - 6}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push('</g>');
  // series
  series.forEach((s, i) => {
    const d = s.points.map((p, k) => `${k === 0 ? 'M' : 'L'}${r2(X(p[0]))} ${r2(Y(p[1]))}`).join(' ');
    parts.push(
      `<g class="series-group" data-series="${esc(s.name)}"><path class="series" data-series="${esc(s.name)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 3"' : ''}/>`,
    );
    if (s.points.length === 1) parts.push(`<circle class="point" cx="${r2(X(s.points[0]![0]))}" cy="${r2(Y(s.points[0]![1]))}" r="3" fill="${s.color}"/>`);
    for (const mk of s.markers ?? []) {
      const y = yValueAt(s.points, mk.x);
      if (y === undefined || mk.x < xmin || mk.x > xmax) continue;
      parts.push(
        `<line class="marker" x1="${r2(X(mk.x))}" x2="${r2(X(mk.x))}" y1="${r2(Y(y) - 5)}" y2="${r2(Y(y) + 5)}" stroke="${s.color}" stroke-width="2"><title>${esc(`${s.name}: ${mk.label}`)}</title></line>`,
      );
    }
    // legend entry
    const ly = m.t + 4 + i * 18;
    const lx = W - legendW;
    parts.push(
      `<line class="legend-swatch" x1="${lx}" x2="${lx + 18}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="3"${s.dashed ? ' stroke-dasharray="6 3"' : ''}/>` +
        `<text class="legend" x="${lx + 24}" y="${ly + 4}">${esc(truncate(s.name, 22))}</text></g>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + '…';
}

export interface Bar {
  readonly label: string;
  /** The bar's length (e.g. the median). Undefined: the row shows `text` only (a failed or skipped run). */
  readonly value?: number;
  /** Whisker ends (e.g. min and max over repetitions). */
  readonly min?: number;
  readonly max?: number;
  readonly color: string;
  /** Printed right of the bar; default the formatted value. */
  readonly text?: string;
}

export interface BarChartOptions {
  readonly title: string;
  readonly bars: readonly Bar[];
  readonly axisLabel: string;
  readonly width?: number;
  readonly format?: (v: number) => string;
  /** 'auto' (default): log when the positive values span more than 30x. */
  readonly scale?: 'linear' | 'log' | 'auto';
  /** Dashed vertical reference lines, e.g. a gate's threshold. */
  readonly refLines?: readonly { readonly value: number; readonly label: string }[];
  readonly className?: string;
  readonly data?: Readonly<Record<string, string>>;
}

export function barChart(o: BarChartOptions): string {
  const W = o.width ?? 560;
  const rowH = 24;
  const longest = Math.max(4, ...o.bars.map((b) => Math.min(LABEL_MAX, b.label.length)));
  const m = { l: Math.round(Math.min(240, 14 + longest * 6.8)), r: 92, t: o.refLines && o.refLines.length > 0 ? 44 : 30, b: 40 };
  const H = m.t + m.b + Math.max(1, o.bars.length) * rowH;
  const pw = W - m.l - m.r;
  const fmt = o.format ?? fmtAxis;
  const vals = [...o.bars.flatMap((b) => [b.value, b.min, b.max]), ...(o.refLines ?? []).map((r) => r.value)].filter(
    (v): v is number => v !== undefined && Number.isFinite(v),
  );
  const pos = vals.filter((v) => v > 0);
  const log =
    o.scale === 'log' ||
    (o.scale !== 'linear' && pos.length >= 2 && pos.length === vals.length && Math.max(...pos) / Math.min(...pos) > 30);
  const parts: string[] = [];
  parts.push(
    `<svg class="chart bar-chart${o.className ? ' ' + esc(o.className) : ''}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(o.title)}"${dataAttrs(o.data)} data-scale="${log ? 'log' : 'linear'}" data-bar-count="${o.bars.filter((b) => b.value !== undefined && Number.isFinite(b.value)).length}">`,
  );
  parts.push(`<title>${esc(o.title)}</title>`);
  parts.push(`<text class="chart-title" x="8" y="18">${esc(o.title)}</text>`);
  let X: (v: number) => number;
  let ticks: number[];
  if (log) {
    ticks = logTicks(Math.min(...pos), Math.max(...pos));
    const lo = Math.log10(ticks[0]!);
    const hi = Math.log10(ticks[ticks.length - 1]!);
    X = (v: number): number => m.l + ((Math.log10(Math.max(v, ticks[0]!)) - lo) / (hi - lo || 1)) * pw;
  } else {
    const lo = Math.min(0, ...vals);
    const hi = Math.max(0, ...vals);
    ticks = niceTicks(lo, hi === lo ? lo + 1 : hi, 5);
    const a = ticks[0]!;
    const b = ticks[ticks.length - 1]!;
    X = (v: number): number => m.l + ((v - a) / (b - a || 1)) * pw;
  }
  const base = log ? m.l : X(0);
  parts.push('<g class="grid">');
  for (const v of ticks) parts.push(`<line x1="${r2(X(v))}" x2="${r2(X(v))}" y1="${m.t - 4}" y2="${H - m.b}"/>`);
  parts.push('</g><g class="axis x-axis">');
  for (const v of ticks) parts.push(`<text x="${r2(X(v))}" y="${H - m.b + 14}" text-anchor="middle">${esc(fmt(v))}</text>`);
  parts.push(
    `<text class="axis-label" x="${m.l + pw / 2}" y="${H - 8}" text-anchor="middle">${esc(o.axisLabel + (log ? ' (log scale)' : ''))}</text>`,
  );
  parts.push('</g>');
  o.bars.forEach((b, i) => {
    const y = m.t + i * rowH;
    const cy = y + rowH / 2;
    parts.push(`<g class="bar-row" data-label="${esc(b.label)}">`);
    parts.push(`<text class="bar-label" x="${m.l - 8}" y="${r2(cy + 4)}" text-anchor="end">${esc(truncate(b.label, LABEL_MAX))}</text>`);
    let textX = m.l + 4;
    if (b.value !== undefined && Number.isFinite(b.value) && !(log && b.value <= 0)) {
      const x1 = X(b.value);
      const left = Math.min(base, x1);
      const w = Math.max(1, Math.abs(x1 - base));
      parts.push(
        `<rect class="bar" data-label="${esc(b.label)}" data-value="${b.value}" x="${r2(left)}" y="${r2(y + 4)}" width="${r2(w)}" height="${rowH - 8}" fill="${b.color}"><title>${esc(`${b.label}: ${b.text ?? fmt(b.value)}`)}</title></rect>`,
      );
      textX = Math.max(left + w, base) + 4;
      if (b.min !== undefined && b.max !== undefined && Number.isFinite(b.min) && Number.isFinite(b.max) && !(log && b.min <= 0)) {
        const xa = X(b.min);
        const xb = X(b.max);
        parts.push(
          `<g class="whisker" data-label="${esc(b.label)}"><line x1="${r2(xa)}" x2="${r2(xb)}" y1="${r2(cy)}" y2="${r2(cy)}"/>` +
            `<line x1="${r2(xa)}" x2="${r2(xa)}" y1="${r2(cy - 5)}" y2="${r2(cy + 5)}"/><line x1="${r2(xb)}" x2="${r2(xb)}" y1="${r2(cy - 5)}" y2="${r2(cy + 5)}"/></g>`,
        );
        textX = Math.max(textX, xb + 4);
      }
    }
    const text = b.text ?? (b.value !== undefined && Number.isFinite(b.value) ? fmt(b.value) : 'n/a');
    parts.push(`<text class="bar-value" x="${r2(Math.min(textX, W - 4))}" y="${r2(cy + 4)}">${esc(text)}</text></g>`);
  });
  for (const ref of o.refLines ?? []) {
    if (!Number.isFinite(ref.value) || (log && ref.value <= 0)) continue;
    const x = r2(X(ref.value));
    parts.push(
      `<g class="ref-line"><line x1="${x}" x2="${x}" y1="${m.t - 4}" y2="${H - m.b}" stroke="#b3261e" stroke-width="1.2" stroke-dasharray="4 3"/>` +
        `<text x="${x}" y="${m.t - 9}" text-anchor="middle" class="ref-label">${esc(ref.label)}</text></g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

const LABEL_MAX = 32;
