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

/** Start a worker and resolve with its first message of type 'done' (reject on error or early exit). */
export function runWorker<T>(file: string, workerData: unknown, onStart?: (w: Worker) => void): { worker: Worker; done: Promise<T> } {
  const worker = new Worker(file, { workerData });
  onStart?.(worker);
  const done = new Promise<T>((resolve, reject) => {
    worker.on('message', (m: { type: string }) => {
      if (m.type === 'done') resolve(m as T);
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`worker exited with code ${code} before reporting`)));
  });
  return { worker, done };
}
