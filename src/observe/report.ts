/**
 * The one-shot report: sum every enabled box's counters over all thread slots
 * and format one line per box, `[HZ3_...] key=value ...`. Printed once to stderr
 * at process exit by the thread that created the heap (see api/heap.ts), and
 * returned as data by heap.report().
 */
import { Arena } from '../heap/arena.ts';
import { BOXES, BOX_BASE, counterBase, type BoxName } from './counters.ts';
import { breakdownLine, meanBreakdownLine, rssBreakdown } from './rss-breakdown.ts';
import { FIRST_MEDIUM_BIN, NUM_MEDIUM_BINS, binSize } from '../heap/size-classes.ts';

export interface BoxReport {
  /** The line tag, e.g. HZ3_S49_PACK. */
  line: string;
  flag: string;
  values: Record<string, number>;
}

export interface HeapReport {
  lane: string;
  boxes: BoxReport[];
  /** The printed lines, in order. */
  lines: string[];
}

function sum(a: Arena, name: BoxName, keys: readonly string[]): Record<string, number> {
  const values: Record<string, number> = {};
  keys.forEach((k, i) => {
    let v = 0;
    for (let s = 0; s < a.layout.maxThreads; s++) v += a.f64[counterBase(a.slotWord(s)) + BOX_BASE[name] + i];
    values[k] = v;
  });
  return values;
}

const pct = (part: number, whole: number): string => (whole > 0 ? ((100 * part) / whole).toFixed(2) : '0.00');
const kv = (values: Record<string, number | string>): string => Object.entries(values).map(([k, v]) => `${k}=${v}`).join(' ');

export function collectReport(a: Arena, lane: string): HeapReport {
  const boxes: BoxReport[] = [];
  const lines: string[] = [];
  for (const name of Object.keys(BOXES) as BoxName[]) {
    const spec = BOXES[name]!;
    const values = sum(a, name, spec.keys);
    boxes.push({ line: spec.line, flag: spec.flag, values });
    if (HZ3_RSS_BREAKDOWN_OBSERVE && name === 'rssBreakdown') {
      lines.push(breakdownLine(rssBreakdown(a))); // derived from the heap's books at the moment of the report
      const mean = meanBreakdownLine(a); // and the mean of the samples taken at each epoch
      if (mean !== undefined) lines.push(mean);
    } else if (name === 's56Waste') {
      const waste = values.alloc - values.req;
      lines.push(`[${spec.line}] ${kv({ req: values.req, alloc: values.alloc, waste, waste_pct: pct(waste, values.alloc) })}`);
    } else if (name === 's56WasteByClass') {
      for (let sc = 0; sc < NUM_MEDIUM_BINS; sc++) {
        const req = values[`req${sc}`];
        const alloc = values[`alloc${sc}`];
        // S57's classes are not multiples of 4 KiB: its lines name each class's size.
        if (HZ3_S57_MEDIUM_FINE_CLASSES) lines.push(`[${spec.line}] ${kv({ sc, size: binSize(FIRST_MEDIUM_BIN + sc), req, alloc, waste: alloc - req })}`);
        else lines.push(`[${spec.line}] ${kv({ sc, req, alloc, waste: alloc - req })}`);
      }
    } else if (name === 's49Pack') {
      lines.push(`[${spec.line}] ${kv({ ...values, hit_pct: pct(values.hit, values.hit + values.miss) })}`);
    } else {
      lines.push(`[${spec.line}] ${kv(values)}`);
    }
  }
  return { lane, boxes, lines };
}
