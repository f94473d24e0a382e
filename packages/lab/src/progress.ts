/**
 * One line per finished run on stderr, with elapsed and estimated remaining
 * time and the clock time it should end (ETA); a closing line with the total.
 * Quiet unless stderr is a TTY (or `enabled` is forced).
 *
 *   [ 3/24] random_mixed_small  hakozuna@mem  rep 2/3   41.2 M ops/s  elapsed 0:04, ~0:31 left (ETA 14:05:10)
 *   [bench] 24 runs done in 0:36
 */
export interface ProgressItem {
  /** Runs with the same key are expected to take the same time (e.g. workload/allocator). */
  readonly key: string;
  /** A coarser group to estimate from before the key has a run (e.g. the allocator). */
  readonly group: string;
  readonly label: string;
}

export class Progress {
  private readonly started = performance.now();
  private done = 0;
  private readonly durations = new Map<string, number[]>();
  private readonly groups = new Map<string, number[]>();
  private readonly all: number[] = [];

  constructor(
    private readonly plan: readonly ProgressItem[],
    private readonly enabled: boolean,
    private readonly out: NodeJS.WritableStream = process.stderr,
    /** The wall clock, for the ETA (tests pass a fixed one). */
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Record a finished run (`wallMs` of its child) and print its line. */
  finished(item: ProgressItem, wallMs: number, outcome: string): void {
    this.done++;
    const list = this.durations.get(item.key) ?? [];
    list.push(wallMs);
    this.durations.set(item.key, list);
    const g = this.groups.get(item.group) ?? [];
    g.push(wallMs);
    this.groups.set(item.group, g);
    this.all.push(wallMs);
    if (!this.enabled) return;
    const elapsed = performance.now() - this.started;
    const width = String(this.plan.length).length;
    // Child wall times leave out the parent's own time between runs: scale by what was observed so far.
    const childMs = this.all.reduce((a, b) => a + b, 0);
    const left = this.remainingMs() * (childMs > 0 ? Math.max(1, elapsed / childMs) : 1);
    const tail =
      this.done >= this.plan.length
        ? `elapsed ${fmtDuration(elapsed)}, done`
        : `elapsed ${fmtDuration(elapsed)}, ~${fmtDuration(left)} left (ETA ${fmtClock(new Date(this.clock().getTime() + left))})`;
    this.out.write(`[${String(this.done).padStart(width)}/${this.plan.length}] ${item.label}  ${outcome}  ${tail}\n`);
    if (this.done === this.plan.length) this.out.write(`[bench] ${this.plan.length} run${this.plan.length === 1 ? '' : 's'} done in ${fmtDuration(elapsed)}\n`);
  }

  note(text: string): void {
    if (this.enabled) this.out.write(text + '\n');
  }

  /** Runs not yet done, each estimated by the mean of its key's runs so far, else its group's, else all runs'. */
  remainingMs(): number {
    const avg = (v: number[] | undefined): number | undefined => (v && v.length > 0 ? v.reduce((a, b) => a + b, 0) / v.length : undefined);
    const overall = avg(this.all) ?? 0;
    let sum = 0;
    for (const item of this.plan.slice(this.done)) {
      sum += avg(this.durations.get(item.key)) ?? avg(this.groups.get(item.group)) ?? overall;
    }
    return sum;
  }
}

/** m:ss, or h:mm:ss from an hour on. */
export function fmtDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s - h * 3600) / 60);
  const ss = String(s - h * 3600 - m * 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Local wall-clock time, hh:mm:ss. */
export function fmtClock(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
