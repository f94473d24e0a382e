/**
 * The optional native release addon, as a package user meets it: found from code
 * bundled into an app (through the app's node_modules/hakozuna), or not, and then
 * the true reason in stats().releaseModeReason and one warning line on stderr
 * (HAKOZUNA_QUIET=1 silences it); a failed build at install says so in one line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildLane, ROOT } from '../../scripts/lane-build.mjs';
import { addonPath, releaseMode } from '../../src/platform/release.ts';
import { createHeap, HeapError } from '../../src/index.ts';

const tmp = mkdtempSync(join(tmpdir(), 'hz-package-addon-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let bundle = '';
beforeAll(async () => {
  ({ entry: bundle } = await buildLane('scale', {}, undefined, { outRoot: join(tmp, 'build') }));
});

const WARNING = /^\[hakozuna\] releases are record-only \((.*)\); freed pages stay resident\. HAKOZUNA_QUIET=1 silences this line\.$/;

/**
 * An app whose bundle (out/app.mjs: the lane bundle, as a bundler would inline it)
 * lies outside the package, with node_modules/hakozuna set up by `pkg`.
 */
function app(name: string, pkg: (dir: string) => void): string {
  const dir = join(tmp, name);
  const hz = join(dir, 'node_modules', 'hakozuna');
  mkdirSync(join(hz, 'native'), { recursive: true });
  writeFileSync(join(hz, 'native', 'binding.gyp'), '{}');
  pkg(hz);
  mkdirSync(join(dir, 'out'), { recursive: true });
  copyFileSync(bundle, join(dir, 'out', 'lib.mjs'));
  writeFileSync(join(dir, 'out', 'app.mjs'), [
    "import { createHeap } from './lib.mjs';",
    'const a = createHeap({ maxBytes: 32 << 20 });',
    'const b = createHeap({ maxBytes: 32 << 20 });',
    'const s = a.stats();',
    'console.log(JSON.stringify({ mode: s.releaseMode, reason: s.releaseModeReason, same: b.stats().releaseModeReason === s.releaseModeReason }));',
  ].join('\n'));
  return join(dir, 'out', 'app.mjs');
}

function run(file: string, env: Record<string, string> = {}): { mode: string; reason: string; same: boolean; stderr: string[] } {
  const clean = { ...process.env };
  for (const k of ['HAKOZUNA_ADDON', 'HAKOZUNA_NO_ADDON', 'HAKOZUNA_QUIET']) delete clean[k];
  const r = spawnSync(process.execPath, [file], { cwd: dirname(file), env: { ...clean, ...env }, encoding: 'utf8', timeout: 20_000 });
  expect(r.status, r.stderr).toBe(0);
  return { ...JSON.parse(r.stdout), stderr: r.stderr.split('\n').filter(Boolean) };
}

describe('finding the addon from bundled code', () => {
  it.skipIf(releaseMode !== 'madvise')('an app bundle finds the addon in the app\'s node_modules/hakozuna', () => {
    const file = app('found', (hz) => {
      mkdirSync(join(hz, 'native', 'build', 'Release'), { recursive: true });
      copyFileSync(addonPath!, join(hz, 'native', 'build', 'Release', 'hakozuna_release.node'));
    });
    const out = run(file);
    expect(out).toEqual({ mode: 'madvise', reason: '', same: true, stderr: [] });
  });

  it('installed with --ignore-scripts: the reason says the install script did not run and what to run; one warning line', () => {
    const out = run(app('no-log', () => {}));
    expect(out.mode).toBe('record-only');
    expect(out.reason).toMatch(/^addon not built: the install script did not run \(npm --ignore-scripts\?\); build it with: node .*node_modules\/hakozuna\/scripts\/build-native\.mjs$/);
    expect(out.same).toBe(true);
    // Two heaps, one line.
    expect(out.stderr).toHaveLength(1);
    expect(WARNING.exec(out.stderr[0]!)?.[1]).toBe(out.reason);
  });

  it('a failed build: the reason is the first line of native/build-native.log', () => {
    const file = app('failed', (hz) => {
      writeFileSync(join(hz, 'native', 'build-native.log'), 'failed: node-gyp: make: *** [hakozuna_release.o] Error 1\n\n$ node node-gyp.js rebuild\n...');
    });
    const out = run(file);
    expect(out.reason).toMatch(/^addon not built: node-gyp: make: \*\*\* \[hakozuna_release\.o\] Error 1 \(details: .*build-native\.log\)$/);
    expect(out.stderr).toHaveLength(1);
    expect(run(file, { HAKOZUNA_QUIET: '1' }).stderr).toEqual([]);
  });

  it('skipped at install with HAKOZUNA_NO_ADDON=1: said in stats, not warned about', () => {
    const out = run(app('skipped', (hz) => writeFileSync(join(hz, 'native', 'build-native.log'), 'skipped: HAKOZUNA_NO_ADDON=1 at install\n')));
    expect(out.reason).toBe('addon not built: HAKOZUNA_NO_ADDON=1 at install');
    expect(out.stderr).toEqual([]);
  });

  it('HAKOZUNA_ADDON naming a missing file says so', () => {
    const missing = join(tmp, 'nowhere', 'hakozuna_release.node');
    const out = run(app('explicit', () => {}), { HAKOZUNA_ADDON: missing });
    expect(out.reason).toBe(`HAKOZUNA_ADDON names a file that does not exist: ${missing}`);
    expect(out.stderr).toHaveLength(1);
  });

  it.skipIf(releaseMode !== 'madvise')('HAKOZUNA_ADDON finds the addon for a bundle with no package above it', () => {
    const dir = join(tmp, 'alone');
    mkdirSync(dir, { recursive: true });
    copyFileSync(bundle, join(dir, 'lib.mjs'));
    writeFileSync(join(dir, 'app.mjs'), "import { createHeap } from './lib.mjs'; const s = createHeap({ maxBytes: 32 << 20 }).stats(); console.log(JSON.stringify({ mode: s.releaseMode, reason: s.releaseModeReason, same: true }));");
    expect(run(join(dir, 'app.mjs')).reason).toMatch(/^addon not found: /);
    expect(run(join(dir, 'app.mjs'), { HAKOZUNA_ADDON: addonPath! })).toEqual({ mode: 'madvise', reason: '', same: true, stderr: [] });
  });
});

describe('building the addon at install', () => {
  /** A package directory with only what scripts/build-native.mjs needs. */
  function pkg(name: string): string {
    const dir = join(tmp, name);
    mkdirSync(join(dir, 'scripts'), { recursive: true });
    mkdirSync(join(dir, 'native'), { recursive: true });
    copyFileSync(join(ROOT, 'scripts', 'build-native.mjs'), join(dir, 'scripts', 'build-native.mjs'));
    for (const f of ['binding.gyp', 'hakozuna_release.c']) copyFileSync(join(ROOT, 'native', f), join(dir, 'native', f));
    return dir;
  }

  it('a failed build prints one line, never fails, and leaves its reason in native/build-native.log', () => {
    const dir = pkg('broken-cc');
    const r = spawnSync(process.execPath, [join(dir, 'scripts', 'build-native.mjs')], {
      // Not as an npm script (under `npm test` it would be), so the line is not also written to the terminal.
      cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, CC: '/bin/false', CXX: '/bin/false', HAKOZUNA_NO_ADDON: '', npm_lifecycle_event: '' },
    });
    expect(r.status).toBe(0);
    const lines = `${r.stdout}${r.stderr}`.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[hakozuna\] native release addon could not build \(.+\); releases will only be recorded, not returned to the OS\. Details: native\/build-native\.log$/);
    expect(readFileSync(join(dir, 'native', 'build-native.log'), 'utf8').split('\n')[0]).toMatch(/^failed: /);
    expect(existsSync(join(dir, 'native', 'build', 'Release', 'hakozuna_release.node'))).toBe(false);
  });

  it.skipIf(!existsSync('/usr/bin/script'))('run by npm with its output captured, the line still reaches the terminal (/dev/tty)', () => {
    const dir = pkg('broken-cc-tty');
    // `script` gives the command a terminal; stdout and stderr go to /dev/null as npm's pipes would hide them.
    const cmd = `${process.execPath} ${join(dir, 'scripts', 'build-native.mjs')} >/dev/null 2>&1`;
    const r = spawnSync('/usr/bin/script', ['-qec', cmd, '/dev/null'], {
      cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, CC: '/bin/false', CXX: '/bin/false', npm_lifecycle_event: 'postinstall' },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\[hakozuna\] native release addon could not build \(/);
  });
});

describe('heap.watch', () => {
  it('refuses what is not a worker_threads Worker with a HeapError', () => {
    const heap = createHeap({ maxBytes: 32 << 20 });
    try {
      const bad = (w: unknown) => () => heap.watch(w as Parameters<typeof heap.watch>[0]);
      expect(bad({})).toThrow(HeapError);
      expect(bad({})).toThrow(/^EINVAL: watch: expected a Worker from node:worker_threads \(with threadId and once\), got \[object Object\]$/);
      expect(bad(null)).toThrow(/EINVAL/);
    } finally {
      heap.detach();
    }
  });
});
