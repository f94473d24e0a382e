/**
 * The platform layer: everything that differs between Node and a browser
 * (thread identity, environment, exit hooks, stderr, the native release addon,
 * watching a worker). The allocator imports this file only.
 *
 * It is the Node implementation. Browser lane bundles (dist/lanes/<lane>/browser.js)
 * are built with this file replaced by ./browser.ts (the platform plugin in
 * scripts/lane-build.mjs), which is what a bundler gets through the `browser`
 * export condition. Both files must export the same names with the same types;
 * the two type aliases below fail the type-check when they drift apart.
 */
import type * as NodePlatform from './node.ts';
import type * as BrowserPlatform from './browser.ts';

export * from './node.ts';
export type { WatchableWorker, NodeWorkerLike, WebWorkerLike, AddonLoad, ReleaseAddon } from './types.ts';

type Same<A extends B, B> = A;
type BrowserMatchesNode = Same<typeof BrowserPlatform, typeof NodePlatform>;
type NodeMatchesBrowser = Same<typeof NodePlatform, typeof BrowserPlatform>;
