/**
 * The Node implementation of the platform layer (see ./index.ts): worker_threads
 * identity, process.env, 'exit' listeners, stderr, and finding and loading the
 * native release addon.
 */
import { threadId as nodeThreadId, isMainThread as nodeIsMainThread } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HeapError, show } from '../base/errors.ts';
import type { AddonLoad, ReleaseAddon, WatchableWorker, NodeWorkerLike } from './types.ts';

export const platform: 'node' | 'browser' = 'node';

/** This thread's id, stored in its heap slot (worker_threads: 0 on the main thread). */
export const threadId: number = nodeThreadId;
export const isMainThread: boolean = nodeIsMainThread;

export function env(name: string): string | undefined {
  return process.env[name];
}

/** Run `listener` once when this thread ends (process 'exit'; in a worker, the worker's end). */
export function onExit(listener: () => void): void {
  process.once('exit', listener);
}

export function offExit(listener: () => void): void {
  process.removeListener('exit', listener);
}

export function writeStderr(text: string): void {
  process.stderr.write(text);
}

// Shared by every hakozuna bundle loaded in this thread (each lane is a bundle of its own).
const warned: Set<string> = ((globalThis as Record<symbol, unknown>)[Symbol.for('hakozuna:warned')] ??= new Set<string>()) as Set<string>;

/** Print `line` on stderr once per thread for `key` (across lanes); HAKOZUNA_QUIET=1 silences every such line. */
export function warnOnce(key: string, line: string): void {
  if (warned.has(key) || env('HAKOZUNA_QUIET') === '1') return;
  warned.add(key);
  process.stderr.write(line + '\n');
}

/** Throws the HeapError that explains why there is no SharedArrayBuffer. */
export function requireSharedMemory(op: string): void {
  if (typeof SharedArrayBuffer !== 'function') {
    throw new HeapError('EINVAL', `${op}: SharedArrayBuffer is not available in this Node.js process (was it started with --no-harmony-sharedarraybuffer?)`);
  }
}

/** Call `onDead(threadId)` when the worker_threads Worker exits (after terminate(), an uncaught error or a normal end). */
export function watchWorker(worker: WatchableWorker, onDead: (threadId: number) => void): void {
  const w = worker as Partial<NodeWorkerLike> | null;
  if (w === null || typeof w !== 'object' || typeof w.threadId !== 'number' || typeof w.once !== 'function') {
    throw new HeapError('EINVAL', `watch: expected a Worker from node:worker_threads (with threadId and once), got ${show(worker)}`);
  }
  const tid = w.threadId;
  w.once('exit', () => onDead(tid));
}

// --- the native release addon ---------------------------------------------------

const ADDON_FILE = join('native', 'build', 'Release', 'hakozuna_release.node');
const BUILD_LOG = join('native', 'build-native.log');

/** The directory of the code running now: a source file, a lane bundle, or an app bundle that includes one. */
function hereDir(): string | null {
  if (typeof import.meta.url === 'string' && import.meta.url.startsWith('file:')) return dirname(fileURLToPath(import.meta.url));
  // A CommonJS bundle (esbuild --format=cjs) has no import.meta but has __filename.
  if (typeof __filename === 'string') return dirname(__filename);
  return null;
}

/**
 * The hakozuna package directories above `start`: the directory itself when it is
 * hakozuna's package (native/binding.gyp), and node_modules/hakozuna at every level,
 * so code bundled into an app (whose file is not inside the package) still finds the
 * package the app installed.
 */
function packageDirs(start: string): string[] {
  const out: string[] = [];
  for (let dir = start; ; ) {
    if (existsSync(join(dir, 'native', 'binding.gyp'))) out.push(dir);
    const dep = join(dir, 'node_modules', 'hakozuna');
    if (existsSync(join(dep, 'native', 'binding.gyp'))) out.push(dep);
    const up = dirname(dir);
    if (up === dir) return out;
    dir = up;
  }
}

/** Why the package at `pkg` has no built addon: the first line of its build log, or that the build never ran. */
function notBuiltReason(pkg: string): string {
  if (process.platform === 'win32') return 'addon not built: Windows has no madvise';
  const log = join(pkg, BUILD_LOG);
  let first = '';
  try {
    first = readFileSync(log, 'utf8').split('\n', 1)[0]!.trim();
  } catch {
    return `addon not built: the install script did not run (npm --ignore-scripts?); build it with: node ${join(pkg, 'scripts', 'build-native.mjs')}`;
  }
  if (first.startsWith('failed: ')) return `addon not built: ${first.slice('failed: '.length)} (details: ${log})`;
  if (first.startsWith('skipped: ')) return `addon not built: ${first.slice('skipped: '.length)}`;
  return `addon not built: ${join(pkg, ADDON_FILE)} is missing (last build log: ${log})`;
}

function loadFile(path: string): AddonLoad {
  try {
    return { addon: createRequire(path)(path) as ReleaseAddon, path, reason: '', warn: false };
  } catch (err) {
    return { addon: null, path, reason: `addon failed to load: ${(err as Error).message.split('\n')[0]}`, warn: true };
  }
}

/**
 * Find and load the addon. Order: HAKOZUNA_NO_ADDON=1 (none, asked for);
 * HAKOZUNA_ADDON=<path>; the package this code is in, or the node_modules/hakozuna
 * of any directory above it. The reason of a failure says which case it was.
 */
export function loadReleaseAddon(): AddonLoad {
  if (env('HAKOZUNA_NO_ADDON') === '1') return { addon: null, path: null, reason: 'HAKOZUNA_NO_ADDON set', warn: false };
  const explicit = env('HAKOZUNA_ADDON');
  if (explicit) {
    const path = resolve(explicit);
    if (!existsSync(path)) return { addon: null, path, reason: `HAKOZUNA_ADDON names a file that does not exist: ${path}`, warn: true };
    return loadFile(path);
  }
  const here = hereDir();
  const pkgs = here === null ? [] : packageDirs(here);
  for (const pkg of pkgs) {
    const path = join(pkg, ADDON_FILE);
    if (existsSync(path)) return loadFile(path);
  }
  if (pkgs.length > 0) {
    const reason = notBuiltReason(pkgs[0]!);
    // Skipped on purpose at install (HAKOZUNA_NO_ADDON=1 then): said in stats(), not warned about.
    return { addon: null, path: null, reason, warn: !reason.startsWith('addon not built: HAKOZUNA_NO_ADDON') };
  }
  return {
    addon: null,
    path: null,
    reason: `addon not found: no hakozuna package (with ${ADDON_FILE}) above ${here ?? 'this module'}; code bundled away from the package can name it with HAKOZUNA_ADDON=<path to hakozuna_release.node>`,
    warn: true,
  };
}
