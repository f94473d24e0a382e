/** Build test worker scripts as bundles of a lane (workers cannot run .ts in Node 20). */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { buildLane, ROOT } from '../../scripts/lane-build.mjs';

const built = new Map<string, string>();

/** Bundle test/workers/<name>.ts for `lane`; returns the .js path. */
export async function workerScript(name: string, lane = 'scale', overrides: Record<string, number> = {}): Promise<string> {
  const key = `${lane}/${name}/${JSON.stringify(overrides)}`;
  const cached = built.get(key);
  if (cached) return cached;
  const outRoot = join(ROOT, 'dist', 'test-workers', name);
  const { outdir } = await buildLane(lane, overrides, undefined, { outRoot, entries: { [name]: join(ROOT, 'test', 'workers', `${name}.ts`) } });
  const file = join(outdir, `${name}.js`);
  built.set(key, file);
  return file;
}

export interface RunningWorker<T> {
  worker: Worker;
  /** Resolves with the worker's 'done' message; rejects on an error or an exit without one. */
  done: Promise<T>;
  /** Resolves when the thread has exited. */
  exited: Promise<number>;
  /** The worker's uncaught error, if any so far. */
  error(): Error | undefined;
}

/** Start a worker; `done` resolves with its first message of type 'done'. */
export function runWorker<T>(file: string, workerData: unknown, onStart?: (w: Worker) => void): RunningWorker<T> {
  const worker = new Worker(file, { workerData });
  onStart?.(worker);
  let failure: Error | undefined;
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  const done = new Promise<T>((resolve, reject) => {
    worker.on('message', (m: { type: string }) => {
      if (m.type === 'done') resolve(m as T);
    });
    worker.on('error', (e) => {
      failure = e;
      reject(e);
    });
    // A message posted just before a normal exit may be delivered after the
    // 'exit' event: give it a moment before calling the run a failure.
    worker.on('exit', (code) => setTimeout(() => reject(new Error(`worker exited with code ${code} before reporting`)), 200));
  });
  return { worker, done, exited, error: () => failure };
}

/** Wait until `ready()` holds, failing fast (with the worker's own error) if `w` dies first. */
export async function waitFor(ready: () => boolean, w: RunningWorker<unknown>, what: string, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!ready()) {
    const e = w.error();
    if (e) throw new Error(`${what}: the worker failed first: ${e.message}`);
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Two workers of test/workers/race-free-worker.ts (built for a lane: `script`)
 * free every pointer of `ptrs` at the same moment; returns what they counted,
 * summed: frees won, frees lost (EDOUBLE_FREE and the like), other errors.
 */
export async function raceFrees(script: string, handle: unknown, ptrs: Uint32Array): Promise<{ won: number; lost: number; other: string[] }> {
  const go = new Int32Array(new SharedArrayBuffer(8));
  const arrive = new SharedArrayBuffer(ptrs.length * 4);
  const runs = [0, 1].map(() => runWorker<{ won: number; lost: number; other: string[] }>(script, { handle, ptrs: ptrs.buffer, go: go.buffer, arrive }));
  while (Atomics.load(go, 1) < 2) await new Promise((r) => setTimeout(r, 1));
  Atomics.store(go, 0, 1);
  const [a, b] = await Promise.all(runs.map((r) => r.done));
  return { won: a.won + b.won, lost: a.lost + b.lost, other: [...a.other, ...b.other] };
}
