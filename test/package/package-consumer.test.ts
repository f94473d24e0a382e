/**
 * The package as a user gets it: `npm pack` of a copy of this repository (its
 * `prepack` builds the lanes, types and CLI), the tarball installed with
 * --ignore-scripts (and offline: the library has no dependencies) into an empty
 * project, then
 * - the tarball holds what `exports`, `types` and `bin` name, a LICENSE, and no
 *   tests, CI files, screenshots, logs or build leftovers;
 * - a strict TypeScript consumer (--module nodenext) type-checks: the README's
 *   example, every lane, require(); and a browser one (DOM lib, no @types/node);
 * - the README's example runs (main thread and a worker);
 * - every lane export imports, in ESM and through require();
 * - a browser app bundles with esbuild (--platform=browser) with no `node:` import
 *   left, and a Node app bundle finds the addon through node_modules/hakozuna;
 * and the lab (packages/lab, package hakozuna-lab) packed too and installed with the
 * library into another project, with its dependencies from npm's cache:
 * - the library's tarball has no dependencies and none of the lab's files; the
 *   lab's holds its CLI, workloads, peer sources and prebuilt wasm peers;
 * - `hakozuna --help` runs, and a --quick bench of one workload with --out in a
 *   temporary directory runs every allocator it can, building the wasm peers the
 *   install lacks under the current directory and writing nothing in node_modules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFile, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { ROOT } from '../../scripts/lane-build.mjs';
import { releaseMode } from '../../src/platform/release.ts';

import { LANES as LANE_SPECS } from '../../src/config/flags.ts';

/** Every lane of the registry is an export of the package. */
const LANES = Object.keys(LANE_SPECS);
const SPECIFIERS = LANES.map((l) => (l === 'scale' ? 'hakozuna' : `hakozuna/${l}`));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const tmp = mkdtempSync(join(tmpdir(), 'hz-package-consumer-'));
const copy = join(tmp, 'repo');
const app = join(tmp, 'app');
const labApp = join(tmp, 'lab-app');
let tarball = '';
let packed: string[] = [];
let labTarball = '';
let labPacked: string[] = [];
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function sh(cmd: string, args: string[], opts: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, ...opts });
  if (r.error || r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${String(r.stdout).slice(-2000)}\n${String(r.stderr).slice(-2000)}`);
  }
  return String(r.stdout);
}

/** tsc -p <dir>/tsconfig.json with this repository's TypeScript; resolves with its output, rejects on errors. */
function tsc(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], { timeout: 120_000 }, (err, stdout) => {
      if (err) reject(new Error(`tsc -p ${dir}: ${stdout}`));
      else resolve();
    });
  });
}

/** Without the environment of the test run: no addon overrides, no npm lifecycle variables. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('HAKOZUNA_') || k.startsWith('npm_')) delete env[k];
  return { ...env, ...extra };
}

/** The first two ```ts blocks of the README's "## Use" section: the main thread and worker.js. */
function readmeExample(): { main: string; worker: string } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const use = readme.slice(readme.indexOf('\n## Use'));
  const blocks = [...use.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks.length).toBeGreaterThanOrEqual(2);
  expect(blocks[1]).toMatch(/^\/\/ worker\.js/);
  return { main: blocks[0]!, worker: blocks[1]! };
}

beforeAll(async () => {
  // A copy of the sources (not the working tree's dist/, which other tests read while this runs).
  mkdirSync(copy);
  const skip = new Set(['node_modules', 'dist', 'test', '.git', '.ci', 'bench', 'native/build', 'packages/lab/node_modules', 'packages/lab/dist', 'packages/lab/bench/peers/build', 'packages/lab/bench/tools']);
  for (const entry of ['package.json', 'README.md', 'LICENSE', 'tsconfig.json', 'tsconfig.types.json', 'docs', 'src', 'scripts', 'native', 'packages']) {
    cpSync(join(ROOT, entry), join(copy, entry), {
      recursive: true,
      filter: (src) => !skip.has(relative(ROOT, src)) && !src.endsWith('.log'),
    });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const out = sh(npm, ['pack', '--json', '--pack-destination', tmp], { cwd: copy, env: cleanEnv() });
  const info = JSON.parse(out.slice(out.search(/^\[$/m))) as { filename: string; files: { path: string }[] }[];
  tarball = join(tmp, info[0]!.filename);
  packed = info[0]!.files.map((f) => f.path).sort();
  // The lab: its prepack builds the wasm peers and dist/cli.js (from the copy, with this repository's node_modules).
  const labOut = sh(npm, ['pack', '--json', '--pack-destination', tmp], { cwd: join(copy, 'packages', 'lab'), env: cleanEnv() });
  const labInfo = JSON.parse(labOut.slice(labOut.search(/^\[$/m))) as { filename: string; files: { path: string }[] }[];
  labTarball = join(tmp, labInfo[0]!.filename);
  labPacked = labInfo[0]!.files.map((f) => f.path).sort();

  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  sh(npm, ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--offline', tarball], { cwd: app, env: cleanEnv() });
}, 240_000);

describe('the tarball', () => {
  it('holds every export target, the types, the CLI, the addon sources and a LICENSE', () => {
    const pj = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, string | Record<string, string>>; bin?: object; types: string; main: string; files: string[];
      dependencies?: object; peerDependencies?: object; optionalDependencies?: object; bundleDependencies?: object; scripts: Record<string, string>;
    };
    const targets = new Set<string>([pj.types, pj.main]);
    for (const [key, value] of Object.entries(pj.exports)) {
      if (typeof value === 'string') {
        if (!value.includes('*')) targets.add(value);
      } else if (key === './lane-build') {
        expect(Object.keys(value), key).toEqual(['types', 'default']);
        for (const t of Object.values(value)) targets.add(t);
      } else {
        expect(Object.keys(value), key).toEqual(['types', 'browser', 'node', 'default']);
        for (const t of Object.values(value)) targets.add(t);
      }
    }
    expect(Object.keys(pj.exports)).toEqual(['.', './pool', ...SPECIFIERS.slice(1).map((s) => s.replace('hakozuna', '.')), './lane-build', './src/*', './package.json']);
    expect(pj.exports['./pool']).toEqual(pj.exports['.']); // the IMemPool face is in the default lane's bundle
    for (const t of targets) expect(packed, t).toContain(t.replace(/^\.\//, ''));
    for (const f of ['LICENSE', 'README.md', 'src/index.ts', 'scripts/lane-build.mjs', 'native/binding.gyp', 'native/hakozuna_release.c', 'scripts/build-native.mjs', 'scripts/postinstall.mjs']) {
      expect(packed).toContain(f);
    }
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} hakozuna contributors\n/);
    // The library needs nothing at run time (not even an optional peer); only postinstall runs at install.
    expect(pj.dependencies).toBeUndefined();
    expect(pj.peerDependencies).toBeUndefined();
    expect(pj.optionalDependencies).toBeUndefined();
    expect(pj.bundleDependencies).toBeUndefined();
    expect(pj.bin).toBeUndefined();
    expect(Object.keys(pj.scripts).filter((s) => /^(pre|post)?install$|^prepare$/.test(s))).toEqual(['postinstall']);
  });

  it('holds none of the lab: no CLI, bin, workloads, peers or lab sources', () => {
    const lab = packed.filter((p) => /^(bin|bench|packages)\//.test(p) || /^src\/lab\//.test(p) || p === 'dist/cli.js' || /^scripts\/build-(cli|peers)\.mjs$/.test(p));
    expect(lab).toEqual([]);
    // The installed package.json says the same.
    const installed = JSON.parse(readFileSync(join(app, 'node_modules', 'hakozuna', 'package.json'), 'utf8')) as { dependencies?: object; bin?: object };
    expect(installed.dependencies).toBeUndefined();
    expect(installed.bin).toBeUndefined();
    expect(existsSync(join(app, 'node_modules', '.bin', 'hakozuna'))).toBe(false);
  });

  it('holds no tests, CI files, screenshots, logs, tarballs or build leftovers', () => {
    const bad = packed.filter((p) =>
      /^(test|\.ci|\.github)\//.test(p) || /\.(png|jpe?g|log|tgz|node)$/.test(p) || /^tsconfig/.test(p) ||
      /^dist\/(test-|tools|bench)/.test(p) || /^(native\/build|bench\/(out|peers\/build|tools))\//.test(p) || /(^|\/)node_modules\//.test(p),
    );
    expect(bad).toEqual([]);
  });
});

describe('installed with --ignore-scripts', () => {
  it('type-checks a strict consumer (--module nodenext: the README example, every lane, require()) and a browser one (DOM lib, no @types/node)', async () => {
    const { main, worker } = readmeExample();
    const dir = join(app, 'ts-node');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'main.ts'), main);
    writeFileSync(join(dir, 'worker.ts'), worker);
    writeFileSync(join(dir, 'lanes.ts'), [
      ...LANES.map((l, i) => `import * as l${i} from '${SPECIFIERS[i]}';`),
      "import { HeapError, type HeapStats, type HeapErrorCode, type HeapHandle } from 'hakozuna';",
      `export const lanes: string[] = [${LANES.map((_, i) => `l${i}.lane`).join(', ')}];`,
      'const heap = l1.createHeap({ maxBytes: 64 << 20, onExhausted: "null" });',
      'const stats: HeapStats = heap.stats();',
      'const mode: string = stats.releaseMode + stats.releaseModeReason;',
      'const handle: HeapHandle = heap.handle;',
      "const code: HeapErrorCode = 'EINVAL';",
      "// @ts-expect-error: sizes are numbers",
      "heap.malloc('16');",
      "// @ts-expect-error: a worker is a Worker",
      'heap.watch(42);',
      'export const all = [mode, handle, code, new HeapError(code, "x")];',
      "import { MemPool } from 'hakozuna/pool';",
      'const pool = new MemPool({ maxBytes: 16 << 20 });',
      "export const floats: Float32Array | undefined = pool.mallocAs('f32', 4);",
      'export const freed: boolean = pool.free(pool.malloc(64));',
    ].join('\n'));
    writeFileSync(join(dir, 'cjs.cts'), "import h = require('hakozuna');\nexport const lane: string = h.lane;\n");
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2024'], noEmit: true,
        skipLibCheck: false, types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')],
      },
      include: ['*.ts', '*.cts'],
    }));

    // The browser consumer: watch() takes a Web Worker; nothing in the declarations needs Node's types.
    const web = join(app, 'ts-browser');
    mkdirSync(web, { recursive: true });
    writeFileSync(join(web, 'page.ts'), [
      "import { createHeap, attachHeap, HeapError, type HeapHandle } from 'hakozuna';",
      'const heap = createHeap({ maxBytes: 64 << 20 });',
      "const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });",
      'worker.postMessage(heap.handle);',
      'heap.watch(worker);',
      'export function onMessage(e: MessageEvent<HeapHandle>): number { return attachHeap(e.data).malloc(1); }',
      'export const isHeapError = (e: unknown): boolean => e instanceof HeapError && e.code === "EINVAL";',
    ].join('\n'));
    writeFileSync(join(web, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2024', 'dom'], noEmit: true, skipLibCheck: false, types: [] },
      include: ['*.ts'],
    }));
    await Promise.all([tsc(dir), tsc(web)]);
  });

  it("runs the README's example: the main thread and a worker", () => {
    const { main, worker } = readmeExample();
    const dir = join(app, 'example');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'worker.js'), worker);
    writeFileSync(join(dir, 'main.js'), `${main}\nworker.once('exit', (code) => console.log(JSON.stringify({ code, stats: heap.stats(), check: heap.check() })));\n`);
    const out = JSON.parse(sh(process.execPath, ['main.js'], { cwd: dir, env: cleanEnv({ HAKOZUNA_QUIET: '1' }) })) as {
      code: number; stats: { threads: number; bytesInUse: number; lane: string; releaseMode: string }; check: { problems: unknown[] };
    };
    expect(out.code).toBe(0);
    expect(out.stats).toMatchObject({ threads: 1, bytesInUse: 0, lane: 'scale', releaseMode: 'record-only' });
    expect(out.check.problems).toEqual([]);
  });

  it('imports every lane export (ESM and require), each its own lane, with no addon: record-only and the reason', () => {
    const script = [
      `const specs = ${JSON.stringify(SPECIFIERS)};`,
      'const out = {};',
      'for (const s of specs) {',
      '  const m = await import(s);',
      '  const h = m.createHeap({ maxBytes: 32 << 20 });',
      '  const p = h.malloc(100); h.u8[p] = 7; h.free(p);',
      '  out[s] = { lane: m.lane, mode: h.stats().releaseMode, reason: h.stats().releaseModeReason, problems: h.check().problems.length };',
      '}',
      "const { createRequire } = await import('node:module');",
      "out.require = createRequire(import.meta.url)('hakozuna/fast').lane;",
      "const { MemPool } = await import('hakozuna/pool');",
      'const pool = new MemPool({ maxBytes: 16 << 20 });',
      "const v = pool.mallocAs('f64', 8); v[7] = 2.5;",
      'out.pool = [v.buffer === pool.buf, v[7], pool.free(v), pool.free(v), pool.heap.stats().lane];',
      'console.log(JSON.stringify(out));',
    ].join('\n');
    writeFileSync(join(app, 'lanes.mjs'), script);
    writeFileSync(join(app, 'require.cjs'), "const h = require('hakozuna'); console.log(h.lane, typeof h.createHeap);\n");
    const r = spawnSync(process.execPath, ['lanes.mjs'], { cwd: app, env: cleanEnv({ HAKOZUNA_STATS: '0' }), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, { lane: string; mode: string; reason: string; problems: number }> & { require: string };
    LANES.forEach((lane, i) => {
      expect(out[SPECIFIERS[i]!]).toMatchObject({ lane, mode: 'record-only', problems: 0 });
      expect(out[SPECIFIERS[i]!]!.reason).toMatch(/^addon not built: the install script did not run \(npm --ignore-scripts\?\)/);
    });
    expect(out.require).toBe('fast');
    expect((out as unknown as { pool: unknown[] }).pool).toEqual([true, 2.5, true, false, 'scale']); // hakozuna/pool: the IMemPool face
    // One warning line for the whole program, with the reason (the stats lines of the research lane are off).
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^\[hakozuna\] releases are record-only \(addon not built: the install script did not run/)]);
    expect(sh(process.execPath, ['require.cjs'], { cwd: app, env: cleanEnv() }).trim()).toBe('scale function');
  });

  it('bundles a browser app with esbuild (--platform=browser): the browser builds, no node: import left', async () => {
    writeFileSync(join(app, 'browser-app.js'), [
      "import { createHeap } from 'hakozuna';",
      "import * as fast from 'hakozuna/fast';",
      "import * as research from 'hakozuna/research';",
      'export const heap = () => createHeap({ maxBytes: 32 << 20 });',
      'export const lanes = [fast.lane, research.lane];',
    ].join('\n'));
    const r = await build({
      absWorkingDir: app, entryPoints: ['browser-app.js'], bundle: true, platform: 'browser', format: 'esm',
      write: false, outfile: join(app, 'out', 'browser-app.js'), metafile: true, logLevel: 'silent',
    });
    const text = r.outputFiles[0]!.text;
    expect(text).not.toMatch(/["']node:/);
    expect(text).not.toMatch(/\bprocess\.(env|once|on|stderr)\b/);
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs).toEqual(expect.arrayContaining([
      'node_modules/hakozuna/dist/lanes/scale/browser.js',
      'node_modules/hakozuna/dist/lanes/fast/browser.js',
      'node_modules/hakozuna/dist/lanes/research/browser.js',
    ]));
    expect(inputs.filter((i) => i.endsWith('/index.js'))).toEqual([]);
  });

  it('a Node app bundle finds the addon through node_modules/hakozuna once it is built', async () => {
    writeFileSync(join(app, 'node-app.js'), "import { createHeap } from 'hakozuna';\nconst s = createHeap({ maxBytes: 32 << 20 }).stats();\nconsole.log(JSON.stringify([s.releaseMode, s.releaseModeReason]));\n");
    await build({ absWorkingDir: app, entryPoints: ['node-app.js'], bundle: true, platform: 'node', format: 'esm', outfile: join(app, 'out', 'node-app.mjs'), logLevel: 'silent' });
    const before = JSON.parse(sh(process.execPath, [join(app, 'out', 'node-app.mjs')], { cwd: tmp, env: cleanEnv({ HAKOZUNA_QUIET: '1' }) })) as string[];
    expect(before[1]).toMatch(/^addon not built: the install script did not run/);
    if (releaseMode !== 'madvise') return; // no compiler here: the repository's own addon did not build either
    const built = sh(process.execPath, [join(app, 'node_modules', 'hakozuna', 'scripts', 'build-native.mjs')], { cwd: app, env: cleanEnv() });
    expect(built).toMatch(/^\[hakozuna\] native release addon built/);
    expect(JSON.parse(sh(process.execPath, [join(app, 'out', 'node-app.mjs')], { cwd: tmp, env: cleanEnv() }))).toEqual(['madvise', '']);
  });

});

/** Every file under `dir` with its size and mtime: what a run wrote there shows as a difference. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const st = statSync(p);
        out.set(relative(dir, p), `${st.size}:${st.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out;
}

type LockEntry = { version?: string; resolved?: string; integrity?: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; [k: string]: unknown };

/** lab-app/package.json and a package-lock.json: the two tarballs, and the lab's dependency closure from this repository's lockfile. */
function writeLabLock(): void {
  const rel = (f: string): string => `file:${relative(labApp, f)}`;
  const integrity = (f: string): string => `sha512-${createHash('sha512').update(readFileSync(f)).digest('base64')}`;
  const labPj = JSON.parse(readFileSync(join(ROOT, 'packages', 'lab', 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; bin: Record<string, string>; engines: object };
  const libPj = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; engines: object };
  const deps = { hakozuna: rel(tarball), 'hakozuna-lab': rel(labTarball) };
  writeFileSync(join(labApp, 'package.json'), JSON.stringify({ name: 'lab-consumer', private: true, type: 'module', dependencies: deps }));
  const repoLock = (JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const packages: Record<string, LockEntry> = {
    '': { name: 'lab-consumer', dependencies: deps },
    'node_modules/hakozuna': { version: libPj.version, resolved: rel(tarball), integrity: integrity(tarball), hasInstallScript: true, license: 'MIT', engines: libPj.engines },
    'node_modules/hakozuna-lab': { version: labPj.version, resolved: rel(labTarball), integrity: integrity(labTarball), license: 'MIT', dependencies: labPj.dependencies, bin: labPj.bin, engines: labPj.engines },
  };
  const todo = Object.keys(labPj.dependencies).filter((d) => d !== 'hakozuna');
  while (todo.length > 0) {
    const name = todo.pop()!;
    const key = `node_modules/${name}`;
    if (packages[key] !== undefined) continue;
    const entry = repoLock[key];
    if (entry === undefined) throw new Error(`${name} is not in package-lock.json`);
    packages[key] = entry;
    for (const [k, v] of Object.entries(repoLock)) if (k.startsWith(`${key}/node_modules/`)) packages[k] = v;
    todo.push(...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {}));
  }
  writeFileSync(join(labApp, 'package-lock.json'), JSON.stringify({ name: 'lab-consumer', lockfileVersion: 3, requires: true, packages }, null, 2));
}

describe('the lab package (hakozuna-lab)', () => {
  beforeAll(() => {
    mkdirSync(labApp);

    // Offline: the lab's dependencies (commander, esbuild, @thi.ng/malloc, assemblyscript and
    // theirs) are pinned by a lockfile made from this repository's, whose tarballs npm's cache
    // holds since the repository's install; the two packages are the tarballs just packed.
    writeLabLock();
    sh(npm, ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--offline'], { cwd: labApp, env: cleanEnv(), timeout: 180_000 });
  }, 240_000);

  it('packs the CLI, the workloads, the peer sources and the prebuilt wasm peers, and depends on the library', () => {
    for (const f of ['bin/hakozuna.js', 'bin/lane-hook.mjs', 'dist/cli.js', 'src/cli.ts', 'bench/allocators/hakozuna.ts', 'bench/workloads/index.ts', 'bench/native/bench.c', 'bench/peers/tlsf.ts', 'bench/peers/build/tlsf.wasm']) {
      expect(labPacked).toContain(f);
    }
    expect(labPacked.filter((p) => /^(test|bench\/(out|tools))\//.test(p) || /(^|\/)node_modules\//.test(p))).toEqual([]);
    const pj = JSON.parse(readFileSync(join(labApp, 'node_modules', 'hakozuna-lab', 'package.json'), 'utf8')) as { dependencies: Record<string, string>; bin: Record<string, string> };
    expect(Object.keys(pj.dependencies).sort()).toEqual(['@thi.ng/malloc', 'assemblyscript', 'commander', 'esbuild', 'hakozuna']);
    expect(pj.bin).toEqual({ hakozuna: './bin/hakozuna.js' });
  });

  it('its CLI runs from the install: --help, and a --quick bench of one workload that writes only under the current directory', () => {
    const bin = join(labApp, 'node_modules', '.bin', 'hakozuna');
    expect(sh(bin, ['--help'], { cwd: labApp, env: cleanEnv() })).toMatch(/^Usage: hakozuna/);
    // The wasm peers missing from the install (as if the tarball had none): the lab builds them under ./bench/out, not in node_modules.
    for (const f of ['tlsf.wasm', 'tlsf-shared.wasm']) rmSync(join(labApp, 'node_modules', 'hakozuna-lab', 'bench', 'peers', 'build', f));
    const before = snapshot(join(labApp, 'node_modules'));
    const out = join(tmp, 'lab-results');
    const r = spawnSync(bin, ['bench', '--quick', '--workloads', 'small', '--out', out], { cwd: labApp, env: cleanEnv({ HAKOZUNA_QUIET: '1' }), encoding: 'utf8', timeout: 180_000 });
    expect(r.status, `${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
      allocators: { id: string; status: string; note?: string }[]; runs: { allocator: string }[];
    };
    const ran = new Set(results.runs.map((x) => x.allocator));
    // The library's own bundle (built from its shipped sources) and the JS peers, whose packages are the lab's dependencies.
    for (const id of ['hakozuna', 'noop', 'tlsf', 'thing', 'gc']) expect(ran, JSON.stringify(results.allocators)).toContain(id);
    // A peer that could not run (a C malloc not installed here, no compiler) is named with one line saying why.
    for (const a of results.allocators.filter((x) => !ran.has(x.id))) expect(a.note ?? '', a.id).toMatch(/^[^\n]+$/);
    expect(existsSync(join(labApp, 'bench', 'out', 'build', 'peers-wasm', 'tlsf.wasm'))).toBe(true);
    expect(snapshot(join(labApp, 'node_modules'))).toEqual(before);
  });
});
