/**
 * Where things are, from wherever this code runs (packages/lab/src/*.ts under
 * vitest, packages/lab/dist/cli.js bundled, or node_modules/hakozuna-lab/dist/cli.js
 * installed):
 *
 * - the lab package (its bench/ sources and peers): labRoot();
 * - the hakozuna library (its src/, scripts/lane-build.mjs and native addon):
 *   libraryRoot(), resolved as the `hakozuna` dependency (in the repository the
 *   root package, linked as node_modules/hakozuna);
 * - what the lab writes (results, build cache, custom lanes): under the current
 *   directory (workDir(), `./bench/out/`) unless --out/--build-dir say otherwise;
 *   never inside node_modules.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LAB_PACKAGE = 'hakozuna-lab';

let lab: string | undefined;
let lib: string | undefined;

function walkUpFor(name: string, from: string): string | undefined {
  let dir = from;
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === name) return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** The lab package's directory (packages/lab in the repository). */
export function labRoot(): string {
  if (lab !== undefined) return lab;
  const found = walkUpFor(LAB_PACKAGE, dirname(fileURLToPath(import.meta.url)));
  if (found === undefined) throw new Error(`cannot find the ${LAB_PACKAGE} package above ${fileURLToPath(import.meta.url)}`);
  return (lab = found);
}

/** The hakozuna library's directory: the lab's `hakozuna` dependency. */
export function libraryRoot(): string {
  if (lib !== undefined) return lib;
  let pj: string;
  try {
    pj = createRequire(join(labRoot(), 'package.json')).resolve('hakozuna/package.json');
  } catch {
    throw new Error(`the lab needs the hakozuna library beside it: npm install hakozuna (not found from ${labRoot()})`);
  }
  return (lib = realpathSync(dirname(pj)));
}

/** True when `dir` is inside a node_modules directory (an installed package). */
export function insideNodeModules(dir: string): boolean {
  return resolve(dir).split(sep).includes('node_modules');
}

/** Where the lab writes by default: ./bench/out under the current directory. */
export function workDir(): string {
  return resolve(process.cwd(), 'bench', 'out');
}

/** The default build cache (child bundles, lanes of a run, compiled C peers): ./bench/out/build. */
export function defaultBuildDir(): string {
  return join(workDir(), 'build');
}

/** The default directory of `hakozuna build` lanes: ./bench/out/lanes. */
export function defaultLanesDir(): string {
  return join(workDir(), 'lanes');
}

/** The library's lane build script (scripts/lane-build.mjs), which the lab uses for every hakozuna bundle. */
export async function laneBuild(): Promise<typeof import('hakozuna/lane-build')> {
  const { pathToFileURL } = await import('node:url');
  return import(pathToFileURL(join(libraryRoot(), 'scripts', 'lane-build.mjs')).href) as Promise<typeof import('hakozuna/lane-build')>;
}
