/**
 * The platform layer's shared types. Nothing here names a Node or DOM type, so the
 * published declarations type-check in a browser project without @types/node.
 */

/** The native release addon (native/hakozuna_release.c), as src/platform/release.ts uses it. */
export interface ReleaseAddon {
  release(view: ArrayBufferView, byteOffset: number, byteLength: number): number;
  pageSize(): number;
  alignmentOffset(view: ArrayBufferView): number;
  residentPages(view: ArrayBufferView, byteOffset: number, byteLength: number): number;
}

/** What looking for the addon found. */
export interface AddonLoad {
  addon: ReleaseAddon | null;
  /** The .node file loaded (or that failed to load); null if none was found. */
  path: string | null;
  /** Why there is no addon ('' when it loaded). */
  reason: string;
  /** Whether record-only mode deserves the one warning line (not when it was asked for, nor in a browser). */
  warn: boolean;
}

/** A worker_threads Worker (Node): its thread id and its 'exit' event. */
export interface NodeWorkerLike {
  readonly threadId: number;
  once(event: 'exit', listener: () => void): unknown;
}

/** A Web Worker (browsers): reached by postMessage. */
export interface WebWorkerLike {
  postMessage(message: unknown, transfer: object[]): void;
  terminate(): void;
}

/** What `heap.watch()` accepts: a worker_threads Worker in Node, a Web Worker in a browser. */
export type WatchableWorker = NodeWorkerLike | WebWorkerLike;
