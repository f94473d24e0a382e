/**
 * The browser implementation of the platform layer (see ./index.ts), for the main
 * thread of a cross-origin-isolated page and its dedicated Web Workers.
 *
 * - No native addon: a page cannot return memory to the OS, so releases are
 *   record-only and stats().releaseModeReason says so (no warning line: there is
 *   nothing to fix).
 * - No environment variables and no exit hook: one-shot lines are read with
 *   heap.report(); a worker that ends should call heap.detach() first, or be
 *   watched by the thread that created it.
 * - Thread ids are random 32-bit numbers (worker_threads' ids do not exist here);
 *   they only need to differ between the threads of one heap.
 * - watch(worker) learns that a Web Worker ended through the Web Locks API: every
 *   worker that loads this module holds the lock `hakozuna:thread:<id>` for as long
 *   as it lives, and tells its id to a watcher over a MessageChannel; the watcher
 *   then requests the same lock, which it is granted when the worker is gone.
 */
import { HeapError, show } from '../base/errors.ts';
import type { AddonLoad, WatchableWorker, WebWorkerLike } from './types.ts';

/** The DOM surface used here, typed locally (the allocator is compiled without the DOM lib). */
interface Port {
  onmessage: ((e: { data: unknown }) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}
interface Locks {
  request(name: string, callback: () => unknown): Promise<unknown>;
}
interface BrowserGlobal {
  WorkerGlobalScope?: abstract new () => unknown;
  navigator?: { locks?: Locks };
  crypto?: { getRandomValues<T extends ArrayBufferView>(a: T): T };
  MessageChannel?: new () => { port1: Port; port2: Port };
  MessagePort?: abstract new () => Port;
  crossOriginIsolated?: boolean;
  isSecureContext?: boolean;
  addEventListener?(type: 'message', listener: (e: { data: unknown; stopImmediatePropagation(): void }) => void): void;
  console: { warn(...a: unknown[]): void; error(...a: unknown[]): void };
}
const g = globalThis as unknown as BrowserGlobal;

/** The message a watcher sends a worker: its port answers with { threadId, lock }. */
const WATCH_KEY = 'hakozuna:watch';

export const platform: 'node' | 'browser' = 'browser';

const inWorker = typeof g.WorkerGlobalScope === 'function' && globalThis instanceof g.WorkerGlobalScope;
export const isMainThread: boolean = !inWorker;

function randomId(): number {
  const a = new Uint32Array(1);
  if (g.crypto) g.crypto.getRandomValues(a);
  else a[0] = (Math.random() * 2 ** 32) >>> 0;
  return a[0]! || 1;
}
export const threadId: number = randomId();

export function env(_name: string): string | undefined {
  return undefined;
}

/** Browser threads have no exit hook that runs code reliably. */
export function onExit(_listener: () => void): void {}
export function offExit(_listener: () => void): void {}

export function writeStderr(text: string): void {
  g.console.error(text.replace(/\n$/, ''));
}

const warned: Set<string> = ((globalThis as Record<symbol, unknown>)[Symbol.for('hakozuna:warned')] ??= new Set<string>()) as Set<string>;
export function warnOnce(key: string, line: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  g.console.warn(line);
}

/** Without cross-origin isolation a page has no SharedArrayBuffer: say which headers give it one. */
export function requireSharedMemory(op: string): void {
  if (typeof SharedArrayBuffer === 'function') return;
  const isolated = g.crossOriginIsolated === true ? 'true' : String(g.crossOriginIsolated ?? 'undefined');
  throw new HeapError(
    'EINVAL',
    `${op}: SharedArrayBuffer is not available because this page is not cross-origin isolated (crossOriginIsolated is ${isolated}). ` +
      'Serve the page (and its workers) with the headers "Cross-Origin-Opener-Policy: same-origin" and ' +
      '"Cross-Origin-Embedder-Policy: require-corp" (or "credentialless"), from https or localhost',
  );
}

export function loadReleaseAddon(): AddonLoad {
  return { addon: null, path: null, reason: 'browser: a web page cannot return memory to the OS, releases are only recorded', warn: false };
}

const locks = g.navigator?.locks;
const threadLock = `hakozuna:thread:${threadId}`;

// A worker holds its thread lock while it lives (granted before it answers a watcher).
const lockHeld: Promise<boolean> =
  inWorker && locks !== undefined
    ? new Promise<boolean>((granted) => {
        locks.request(threadLock, () => {
          granted(true);
          return new Promise<never>(() => {});
        }).catch(() => granted(false));
      })
    : Promise.resolve(false);

if (inWorker && typeof g.addEventListener === 'function') {
  // Registered when the worker's script imports hakozuna, so before its own message handlers:
  // the watch message is taken here and never reaches them.
  g.addEventListener('message', (e) => {
    const d = e.data as Record<string, unknown> | null;
    if (d === null || typeof d !== 'object' || !(WATCH_KEY in d)) return;
    const port = d[WATCH_KEY] as Port;
    if (typeof g.MessagePort !== 'function' || !(port instanceof g.MessagePort)) return;
    e.stopImmediatePropagation();
    void lockHeld.then((held) => {
      if (held) port.postMessage({ threadId, lock: threadLock });
      port.close();
    });
  });
}

/**
 * Call `onDead(threadId)` once the Web Worker has ended (terminate(), close(), or its
 * page going away): see the top of this file. The worker must import hakozuna when
 * its script starts (a static import), so that it can answer.
 */
export function watchWorker(worker: WatchableWorker, onDead: (threadId: number) => void): void {
  const w = worker as Partial<WebWorkerLike> | null;
  if (w === null || typeof w !== 'object' || typeof w.postMessage !== 'function' || typeof w.terminate !== 'function') {
    throw new HeapError('EINVAL', `watch: expected a Web Worker (with postMessage and terminate), got ${show(worker)}`);
  }
  if (locks === undefined || typeof g.MessageChannel !== 'function') {
    throw new HeapError(
      'EINVAL',
      'watch: this browser has no Web Locks API (navigator.locks), which watch() needs to learn that a worker ended; ' +
        'have the worker call heap.detach() before it ends, or call heap.reclaimDeadThreads({ leaseTimeoutMs }) after terminate()',
    );
  }
  const { port1, port2 } = new g.MessageChannel();
  port1.onmessage = (e) => {
    port1.close();
    const { threadId: tid, lock } = e.data as { threadId: number; lock: string };
    void locks.request(lock, () => onDead(tid));
  };
  w.postMessage({ [WATCH_KEY]: port2 }, [port2]);
}
