/**
 * The threads of a multi-worker workload: how ctx.spawn() starts one, in the two
 * modes of {@link ThreadsMode}, and the worker side that runs it.
 *
 * - spawn: `new Worker(bundle)` per thread; the worker runs the workload's
 *   worker function once and exits. Its start-up (isolate, bundle, JIT) is in
 *   the thread start.
 * - pooled: {@link WorkerPool} starts the workers before the workload (outside
 *   the measured window) and hands each thread to an idle one by message; the
 *   thread's start is its ctx.attach() (attachHeap) in a warm worker and its exit
 *   is heap.detach(), after which the worker takes the next thread. As a C
 *   program's pthread_create costs ~10 µs, this leaves the allocator's own
 *   attach/detach in the measured time, without the Worker's 40-50 ms.
 *
 * Either way the main side gets an {@link MtWorker} per thread, and each thread
 * reports when it started, how long its attach took and which slot it got, so
 * {@link ThreadLog} can say what thread starts cost and that slots were reused.
 */
import { Worker, parentPort, threadId, workerData } from 'node:worker_threads';
import type { AllocatorContext } from '../bench/protocol.ts';
import type { MtAllocatorModule, MtWorker, MtWorkerContext, MtWorkloadSpec, SharedWorker, ThreadStartStats, ThreadsMode } from '../bench/mt-protocol.ts';
import { median } from './stats-math.ts';

export const MT_WORKER_ROLE = 'hakozuna-bench-mt-worker';

/** What every worker of a run gets as workerData. `data` is the thread's own in spawn mode; pool workers get it per thread. */
export interface MtWorkerData {
  readonly role: typeof MT_WORKER_ROLE;
  readonly mode: ThreadsMode;
  readonly spec: string;
  readonly threads: number;
  readonly params: Record<string, number>;
  readonly handle: unknown;
  readonly ctx: AllocatorContext;
  readonly data?: unknown;
}

/** How one thread started, as the worker saw it. */
interface StartInfo {
  /** ms since the epoch when the workload's worker function was called. */
  readonly startedAt: number;
  readonly attachMs?: number;
  readonly slot?: number;
  readonly detached: boolean;
  /** The Worker's thread id. */
  readonly threadId: number;
}

type WorkerMsg =
  | { t: 'pool-ready' }
  | { t: 'ready' }
  | { t: 'msg'; d: unknown }
  | { t: 'done'; r: unknown; start: StartInfo }
  | { t: 'error'; message: string; stack?: string };

type PoolCmd = { t: 'run'; data: unknown } | { t: 'close' };

const absNow = (): number => performance.timeOrigin + performance.now();

/** True in a worker thread started by runMtChild (either mode). */
export function isMtWorker(): boolean {
  return (workerData as MtWorkerData | null)?.role === MT_WORKER_ROLE;
}

/** The main side's view of one thread: routes its messages into an MtWorker. */
class ThreadHandle {
  private readonly listeners: ((d: unknown) => void)[] = [];
  private readyResolve!: () => void;
  private readyReject!: (e: Error) => void;
  private doneResolve!: (r: unknown) => void;
  private doneReject!: (e: Error) => void;
  private finished = false;
  readonly ready: Promise<void>;
  readonly done: Promise<unknown>;

  constructor(
    readonly worker: Worker,
    private readonly onStart: (s: StartInfo) => void,
  ) {
    this.ready = new Promise<void>((res, rej) => {
      this.readyResolve = res;
      this.readyReject = rej;
    });
    this.done = new Promise<unknown>((res, rej) => {
      this.doneResolve = res;
      this.doneReject = rej;
    });
    // Marked handled here; whoever awaits them still sees the rejection.
    this.ready.catch(() => undefined);
    this.done.catch(() => undefined);
  }

  /** Returns true when the thread has ended (done or failed). */
  handle(m: WorkerMsg): boolean {
    if (m.t === 'ready') this.readyResolve();
    else if (m.t === 'msg') for (const f of this.listeners) f(m.d);
    else if (m.t === 'done') {
      this.finished = true;
      this.onStart(m.start);
      this.readyResolve();
      this.doneResolve(m.r);
      return true;
    } else if (m.t === 'error') {
      this.fail(new Error(`worker ${this.worker.threadId}: ${m.message}${m.stack ? `\n${m.stack}` : ''}`));
      return true;
    }
    return false;
  }

  fail(e: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.readyReject(e);
    this.doneReject(e);
  }

  view(): MtWorker {
    return { worker: this.worker, ready: this.ready, done: this.done, onMessage: (f) => void this.listeners.push(f) };
  }
}

/** Every thread start of a run, and what they cost: becomes MtChildExtra.threadStarts. */
export class ThreadLog {
  private readonly starts: { spawnedAt: number; info?: StartInfo }[] = [];
  workerStartupMs: number[] = [];
  poolSize?: number;
  poolGrown = 0;

  constructor(readonly mode: ThreadsMode) {}

  /** Call at ctx.spawn; the returned function records the thread's StartInfo. */
  begin(): (s: StartInfo) => void {
    const entry: { spawnedAt: number; info?: StartInfo } = { spawnedAt: absNow() };
    this.starts.push(entry);
    return (s) => {
      entry.info = s;
    };
  }

  stats(): ThreadStartStats {
    const known = this.starts.filter((s) => s.info !== undefined) as { spawnedAt: number; info: StartInfo }[];
    const lat = known.map((s) => Math.max(0, s.info.startedAt - s.spawnedAt));
    const att = known.map((s) => s.info.attachMs).filter((x): x is number => x !== undefined);
    const slots = new Set(known.map((s) => s.info.slot).filter((x) => x !== undefined));
    const seen = new Set<number>();
    let reattached = 0;
    for (const s of known) {
      if (seen.has(s.info.threadId)) reattached++;
      seen.add(s.info.threadId);
    }
    return {
      mode: this.mode,
      starts: this.starts.length,
      latencyMsMedian: lat.length > 0 ? median(lat) : NaN,
      latencyMsMean: lat.length > 0 ? lat.reduce((a, b) => a + b, 0) / lat.length : NaN,
      latencyMsMax: lat.length > 0 ? Math.max(...lat) : NaN,
      ...(att.length > 0 ? { attachMsMedian: median(att) } : {}),
      attaches: att.length,
      detaches: known.filter((s) => s.info.detached).length,
      workers: seen.size,
      ...(slots.size > 0 ? { slots: slots.size } : {}),
      reattached,
      ...(this.poolSize !== undefined ? { poolSize: this.poolSize, poolGrown: this.poolGrown } : {}),
      ...(this.workerStartupMs.length > 0 ? { workerStartupMsMedian: median(this.workerStartupMs) } : {}),
    };
  }
}

/** Spawn mode: one new Worker for the thread. */
export function spawnThread(script: string, base: MtWorkerData, data: unknown, log: ThreadLog, watch?: (w: Worker) => void): MtWorker {
  const onStart = log.begin();
  const w = new Worker(script, { workerData: { ...base, mode: 'spawn', data } satisfies MtWorkerData });
  watch?.(w);
  const t = new ThreadHandle(w, onStart);
  w.on('message', (m: WorkerMsg) => void t.handle(m));
  w.on('error', (e) => t.fail(e instanceof Error ? e : new Error(String(e))));
  w.on('exit', (code) => t.fail(new Error(`worker ${w.threadId} exited (code ${code}) before it finished`)));
  return t.view();
}

/** Pooled mode: workers started once, each running one thread after another. */
export class WorkerPool {
  private readonly idle: PoolWorker[] = [];
  private readonly all: PoolWorker[] = [];

  constructor(
    private readonly script: string,
    private readonly base: MtWorkerData,
    private readonly log: ThreadLog,
    private readonly watch?: (w: Worker) => void,
  ) {}

  /** Start `n` workers and wait until each can take a thread; their start-up times go to the log. */
  async start(n: number): Promise<void> {
    this.log.poolSize = n;
    await Promise.all(Array.from({ length: n }, () => this.startWorker().then((pw) => void this.idle.push(pw))));
  }

  private startWorker(): Promise<PoolWorker> {
    const t0 = absNow();
    const w = new Worker(this.script, { workerData: { ...this.base, mode: 'pooled' } satisfies MtWorkerData });
    this.watch?.(w);
    const pw = new PoolWorker(w);
    this.all.push(pw);
    return pw.ready.then(() => {
      this.log.workerStartupMs.push(absNow() - t0);
      return pw;
    });
  }

  /** ctx.spawn in pooled mode: the thread runs in an idle worker (a new one if none is idle). */
  run(data: unknown): MtWorker {
    const onStart = this.log.begin();
    const pw = this.idle.pop();
    if (pw !== undefined) return pw.run(data, onStart, () => void this.idle.push(pw));
    // The pool was too small: start one more (its start-up is then in the thread's start, as in spawn mode).
    this.log.poolGrown++;
    const t0 = absNow();
    const w = new Worker(this.script, { workerData: { ...this.base, mode: 'pooled' } satisfies MtWorkerData });
    this.watch?.(w);
    const fresh = new PoolWorker(w);
    this.all.push(fresh);
    const handle = new ThreadHandle(w, onStart);
    fresh.ready.then(
      () => {
        this.log.workerStartupMs.push(absNow() - t0);
        fresh.adopt(handle, data, () => void this.idle.push(fresh));
      },
      (e: Error) => handle.fail(e),
    );
    return handle.view();
  }

  /** Let every worker exit (they are idle: every thread has ended). */
  async close(): Promise<void> {
    await Promise.all(this.all.map((pw) => pw.close()));
  }
}

class PoolWorker {
  readonly ready: Promise<void>;
  private current: ThreadHandle | undefined;
  private exited = false;
  private readonly exit: Promise<void>;

  constructor(readonly worker: Worker) {
    let ok!: () => void;
    let ko!: (e: Error) => void;
    this.ready = new Promise<void>((res, rej) => {
      ok = res;
      ko = rej;
    });
    this.ready.catch(() => undefined);
    this.exit = new Promise<void>((res) => worker.once('exit', () => res()));
    worker.on('message', (m: WorkerMsg) => {
      if (m.t === 'pool-ready') return ok();
      const cur = this.current;
      if (cur === undefined) return;
      if (cur.handle(m)) this.current = undefined;
    });
    const failAll = (e: Error): void => {
      ko(e);
      this.current?.fail(e);
      this.current = undefined;
    };
    worker.on('error', (e) => failAll(e instanceof Error ? e : new Error(String(e))));
    worker.on('exit', (code) => {
      this.exited = true;
      failAll(new Error(`pool worker ${worker.threadId} exited (code ${code}) while a thread was running`));
    });
  }

  run(data: unknown, onStart: (s: StartInfo) => void, onIdle: () => void): MtWorker {
    const handle = new ThreadHandle(this.worker, onStart);
    this.adopt(handle, data, onIdle);
    return handle.view();
  }

  /** Give the worker a thread; it goes back to the pool (onIdle) before anyone awaiting the thread's end runs. */
  adopt(handle: ThreadHandle, data: unknown, onIdle: () => void): void {
    this.current = handle;
    handle.done.then(onIdle, () => undefined);
    // onIdle runs in a reaction registered before the workload's own, so a thread
    // started right after another ended can take the same worker (as a pool does).
    this.worker.postMessage({ t: 'run', data } satisfies PoolCmd);
  }

  async close(): Promise<void> {
    if (this.exited) return;
    this.worker.postMessage({ t: 'close' } satisfies PoolCmd);
    const timer = setTimeout(() => void this.worker.terminate(), 2000);
    await this.exit;
    clearTimeout(timer);
  }
}

/** Entry of a worker thread started by runMtChild (called from childMain when isMtWorker()). */
export async function mtWorkerMain(mod: MtAllocatorModule, specOf: (name: string) => MtWorkloadSpec): Promise<void> {
  const wd = workerData as MtWorkerData;
  const port = parentPort!;
  const runThread = async (data: unknown): Promise<void> => {
    try {
      const spec = specOf(wd.spec);
      if (mod.shared === undefined) throw new Error(`allocator ${mod.name} has no multi-worker (shared) part`);
      const sharedMod = mod.shared;
      const startedAt = absNow();
      let attachMs: number | undefined;
      let attached: SharedWorker | undefined;
      let detached = false;
      const ctx: MtWorkerContext = {
        data,
        params: wd.params,
        threads: wd.threads,
        attach: async (): Promise<SharedWorker> => {
          const t0 = absNow();
          const sh = await sharedMod.attach(wd.handle, wd.ctx);
          attachMs = absNow() - t0;
          attached = sh;
          // Count the thread's exit (detach) as the workload makes it.
          return {
            ...sh,
            detach: () => {
              sh.detach();
              detached = true;
            },
          };
        },
        ready: () => port.postMessage({ t: 'ready' } satisfies WorkerMsg),
        post: (d) => port.postMessage({ t: 'msg', d } satisfies WorkerMsg),
      };
      const r = await spec.worker(ctx);
      const slot = (attached as SharedWorker | undefined)?.slot;
      const start: StartInfo = { startedAt, detached, threadId, ...(attachMs !== undefined ? { attachMs } : {}), ...(slot !== undefined ? { slot } : {}) };
      port.postMessage({ t: 'done', r, start } satisfies WorkerMsg);
    } catch (e) {
      const err = e as Error;
      port.postMessage({ t: 'error', message: err?.message ?? String(e), stack: err?.stack } satisfies WorkerMsg);
    }
  };
  if (wd.mode !== 'pooled') return runThread(wd.data);
  // A pool worker: one thread after another, in order, until told to close.
  let queue = Promise.resolve();
  port.on('message', (m: PoolCmd) => {
    if (m.t === 'close') {
      port.close();
      return;
    }
    queue = queue.then(() => runThread(m.data));
  });
  port.postMessage({ t: 'pool-ready' } satisfies WorkerMsg);
}
