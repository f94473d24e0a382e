/**
 * The one-shot report: sum every enabled box's counters over all thread slots
 * and print the lines its declaration says (counters.ts `declareCounters`), by
 * default one line per box, `[HZ3_...] key=value ... derived=...`. Printed once
 * to stderr at process exit by the thread that created the heap (see
 * api/heap.ts), and returned as data by heap.report().
 */
import type { Arena } from '../heap/arena.ts';
import { BOXES, sumCounter, type DeclaredBox } from './counters.ts';
import './rss-breakdown.ts'; // declares the RSS breakdown's counters (after counters.ts's boxes)

export interface BoxReport {
  /** The line tag, e.g. HZ3_S49_PACK. */
  line: string;
  flag: string;
  /** Each counter summed over all threads (an array's as name0, name1, ...). */
  values: Record<string, number>;
}

export interface HeapReport {
  lane: string;
  boxes: BoxReport[];
  /** The printed lines, in order. */
  lines: string[];
}

const kv = (values: Readonly<Record<string, number | string>>): string => Object.entries(values).map(([k, v]) => `${k}=${v}`).join(' ');

/** One box's counters summed over all threads: as the report's values, and as its declaration's figures see them. */
function sum(a: Arena, box: DeclaredBox): { values: Record<string, number>; view: Record<string, number | number[]> } {
  const values: Record<string, number> = {};
  const view: Record<string, number | number[]> = {};
  for (const k of box.spec.counters) view[k] = values[k] = sumCounter(a, box.at[k]!);
  for (const [k, n] of Object.entries<number>(box.spec.arrays ?? {})) {
    const list = Array.from({ length: n }, (_, i) => sumCounter(a, box.at[k]! + i));
    list.forEach((v, i) => (values[`${k}${i}`] = v));
    view[k] = list;
  }
  return { values, view };
}

export function collectReport(a: Arena, lane: string): HeapReport {
  const boxes: BoxReport[] = [];
  const lines: string[] = [];
  for (const box of BOXES) {
    const { line, flag, counters, derived, lines: print } = box.spec;
    const { values, view } = sum(a, box);
    boxes.push({ line, flag, values });
    const format = (figures: Readonly<Record<string, number | string>>): string => `[${line}] ${kv(figures)}`;
    const v = view as never;
    if (print !== undefined) {
      lines.push(...print(v, a, format));
    } else {
      const figures: Record<string, number | string> = {};
      for (const k of counters) figures[k] = values[k]!;
      for (const [k, f] of Object.entries(derived ?? {})) figures[k] = f(v);
      lines.push(format(figures));
    }
  }
  return { lane, boxes, lines };
}
