/**
 * One line per finished run on stderr, with elapsed and estimated remaining
 * time. Quiet unless stderr is a TTY (or `enabled` is forced).
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
    this.out.write(
      `[${String(this.done).padStart(width)}/${this.plan.length}] ${item.label}  ${outcome}  ` +
        `elapsed ${fmtDuration(elapsed)}, ~${fmtDuration(this.remainingMs())} left\n`,
    );
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

export function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const m = Math.floor(s / 60);
  return `${m}:${String(s - m * 60).padStart(2, '0')}`;
}
