/**
 * `hakozuna observe rss`: where the heap's resident bytes are, and which lever
 * lowers them. Runs the named workloads (or the user's script) in the research
 * lane, whose heap prints once at exit [HZ3_RSS_BREAKDOWN] (the books at exit)
 * and [HZ3_RSS_BREAKDOWN_MEAN] (the mean of its 50 ms epoch samples), and
 * prints per input and over all inputs the largest cause beyond live data:
 *
 *   [HZ3_RSS_VERDICT] basis=mean resident=<bytes> live_pct=<%> largest=<part> bytes=<bytes> share_of_resident=<%> -> <lever>
 *
 * The parts are the allocator's own books (src/observe/rss-breakdown.ts): they
 * add up to `resident`, which counts data pages from the moment they are handed
 * out; heap RSS by mincore is lower by the pages never touched.
 */
import { observeAndJudge, sumBreakdowns, type ObserveOptions } from './observe.ts';

/** What lowers each part, as the verdict names it. */
export const RSS_LEVERS: Readonly<Record<string, string>> = {
  waste_small: 'small-class rounding and page tails (classes are 16 B apart): no lab lever yet',
  waste_medium: 'finer medium classes: S57 (HZ3_S57_MEDIUM_FINE_CLASSES=1)',
  waste_large: 'large blocks round up to whole pages: request page multiples',
  tcache: 'smaller thread caches: the threadCacheBytes option',
  central: "central's wholly free runs go back and are released by the decay purge (mem lane, HZ3_DECAY_PURGE)",
  remote: 'frees on their way to their owner (remote rings, inboxes): nothing to tune yet',
  seg_free: 'free pages not yet released: the decay purge (mem lane; HZ3_DECAY_MS), or trim()',
  meta: 'metadata: a smaller maxBytes or maxThreads',
};

export interface RssVerdict {
  basis: 'mean' | 'exit' | 'none';
  parts?: Record<string, number>;
  largest?: string;
  line: string;
}

const pct = (part: number, whole: number): string => (whole > 0 ? ((100 * part) / whole).toFixed(2) : '0.00');

/** The verdict from one or more runs' one-shot lines. */
export function rssVerdict(lines: readonly string[]): RssVerdict {
  const parts = sumBreakdowns(lines);
  if (!parts || !(parts.resident! > 0)) {
    return { basis: 'none', line: '[HZ3_RSS_VERDICT] no [HZ3_RSS_BREAKDOWN] line: run with a lane that has HZ3_RSS_BREAKDOWN_OBSERVE (research)' };
  }
  const basis = lines.some((l) => l.startsWith('[HZ3_RSS_BREAKDOWN_MEAN]')) ? 'mean' : 'exit';
  let largest = '';
  for (const k of Object.keys(RSS_LEVERS)) if (largest === '' || (parts[k] ?? 0) > (parts[largest] ?? 0)) largest = k;
  const resident = parts.resident!;
  const bytes = Math.round(parts[largest] ?? 0);
  return {
    basis,
    parts,
    largest,
    line:
      `[HZ3_RSS_VERDICT] basis=${basis} resident=${Math.round(resident)} live_pct=${pct(parts.live ?? 0, resident)} ` +
      `largest=${largest} bytes=${bytes} share_of_resident=${pct(bytes, resident)} -> ${RSS_LEVERS[largest]}`,
  };
}

export interface ObserveRssResult {
  inputs: { name: string; lines: string[]; verdict: RssVerdict }[];
  verdict: RssVerdict;
}

export const observeRss = (opts: ObserveOptions): Promise<ObserveRssResult> =>
  observeAndJudge(opts, 'rss', rssVerdict, (l) => l.startsWith('[HZ3_RSS_BREAKDOWN'));
