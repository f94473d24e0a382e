/**
 * The allocator's one-shot lines: what a lane with boxes or observers on prints
 * at exit, one `[HZ3_...] key=value` line each. results.ts keeps them on a run
 * record (`oneShot`), run-metrics.ts reads them back from a run's output.
 */
const ONE_SHOT = /^\[HZ3_[A-Z0-9_]+\]/;

/** The one-shot lines of a child's output, trimmed, in order. */
export function extractOneShotLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => ONE_SHOT.test(l));
}
