/** Build a lane bundle of the library and import it (for tests of non-default lanes). */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildLane, ROOT } from '../../scripts/lane-build.mjs';

type Lib = typeof import('../../src/index.ts');
const cache = new Map<string, Promise<{ lib: Lib; file: string }>>();

export function laneBundle(lane: string, overrides: Record<string, number> = {}, base?: string): Promise<{ lib: Lib; file: string }> {
  const key = `${lane}|${base}|${JSON.stringify(overrides)}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      const { entry } = await buildLane(lane, overrides, base, { outRoot: join(ROOT, 'dist', 'test-lanes') });
      return { lib: (await import(pathToFileURL(entry).href)) as Lib, file: entry };
    })();
    cache.set(key, p);
  }
  return p;
}
