/**
 * How the bench starts one allocator's child process: a Node bundle, a native
 * executable (optionally under LD_PRELOAD of another malloc), or a skip with its
 * reason. build.ts (`prepareLaunch`) and native.ts (`nativeLaunch`,
 * `preloadLaunch`) make them; runner.ts starts the child they describe, for the
 * single-threaded runs (bench.ts) and the multi-worker ones (mt-bench.ts).
 */
export type Launch =
  | { readonly kind: 'node'; readonly script: string; readonly files: Readonly<Record<string, string>>; readonly lane?: unknown }
  | {
      readonly kind: 'exec';
      readonly file: string;
      /** The multi-threaded C programs (larson, mstress), or why they are missing (packages/lab/src/native.ts). */
      readonly mtFile?: string;
      readonly mtNote?: string;
      /** Environment for the child (LD_PRELOAD of another malloc). */
      readonly env?: Readonly<Record<string, string>>;
      /** The malloc the child must report (bench/native/mt.c), and the preloaded library. */
      readonly malloc?: string;
      readonly library?: string;
    }
  | { readonly kind: 'skip'; readonly note: string };
