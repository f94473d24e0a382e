// Builds the OS release addon (native/ -> native/build/Release/hakozuna_release.node)
// with the node-gyp that npm bundles. Called by scripts/postinstall.mjs; also runnable
// by hand: `node scripts/build-native.mjs`.
//
// It must never fail the install: on any problem it prints ONE line saying releases
// will only be recorded, writes the details to native/build-native.log, and exits 0.
// src/platform/release.ts then runs in record-only mode.
import { existsSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve, relative } from 'node:path';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const output = join(nativeDir, 'build', 'Release', 'hakozuna_release.node');
const logFile = join(nativeDir, 'build-native.log');
const TIMEOUT_MS = 180_000;

const isFile = (p) => { try { return statSync(p).isFile(); } catch { return false; } };

/**
 * One line for the person installing. npm (7 and later) runs a dependency's install
 * scripts with their output captured and shows it only when the script fails, which
 * this one never does; so when npm runs us without a terminal on stderr, the line
 * also goes to the controlling terminal (/dev/tty), if there is one.
 */
function say(line) {
  console.warn(line);
  if (process.env.npm_lifecycle_event && !process.stderr.isTTY && process.platform !== 'win32') {
    try { writeFileSync('/dev/tty', line + '\n'); } catch { /* no terminal (CI): the log and the heap's own warning remain */ }
  }
}

// native/build-native.log: its first line is read by src/platform/node.ts to tell
// why there is no addon ("failed: <reason>", "skipped: <reason>" or "built: <file>").
function fail(reason, log = '') {
  try { writeFileSync(logFile, `failed: ${reason}\n\n${log}`); } catch { /* the message below is enough */ }
  say(`[hakozuna] native release addon could not build (${reason}); ` +
    `releases will only be recorded, not returned to the OS. Details: ${relative(process.cwd(), logFile) || logFile}`);
  process.exit(0);
}

/** The most telling line of a failed node-gyp run, for the one-line message. */
function firstCause(out) {
  const lines = out.split('\n').map((l) => l.trim()).filter(Boolean);
  const patterns = [/^gyp: (.*)/, /(\S*error: .*)/i, /not found/, /^gyp ERR! stack Error: (.*)/, /^(make: \*\*\*.*)/];
  for (const re of patterns) {
    for (const l of lines) {
      const m = re.exec(l);
      if (m && !l.startsWith('gyp info')) return (m[1] ?? l).slice(0, 160);
    }
  }
  return undefined;
}

/** node-gyp's CLI script: the one npm hands to scripts, else the one bundled with npm. */
function findNodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  if (process.env.npm_execpath) {
    // .../npm/bin/npm-cli.js -> .../npm/node_modules/node-gyp/bin/node-gyp.js
    candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  const bin = dirname(process.execPath);
  candidates.push(
    join(bin, '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'), // POSIX layout
    join(bin, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'), // Windows layout
  );
  try { candidates.push(createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js')); } catch { /* not a dependency */ }
  return candidates.find((p) => p && isFile(p));
}

/** Local Node headers, so node-gyp need not download them (we may be offline). */
function findNodeDir() {
  if (process.env.npm_config_nodedir) return undefined; // node-gyp reads it itself
  const major = process.versions.node.split('.')[0];
  const cached = [process.env.npm_config_devdir, join(process.env.HOME ?? '', '.cache', 'node-gyp')]
    .filter(Boolean).map((d) => join(d, process.versions.node, 'include', 'node', 'node_api.h'));
  if (cached.some(isFile)) return undefined; // node-gyp's own header cache is present
  const prefixes = [resolve(dirname(process.execPath), '..'), process.config.variables.node_prefix, '/usr', '/usr/local'];
  for (const dir of prefixes) {
    if (!dir) continue;
    const inc = join(dir, 'include', 'node');
    if (!isFile(join(inc, 'node_api.h')) || !isFile(join(inc, 'common.gypi'))) continue;
    // N-API is ABI-stable, but prefer headers of the running major when we can tell.
    try {
      const v = /NODE_MAJOR_VERSION\s+(\d+)/.exec(readFileSync(join(inc, 'node_version.h'), 'utf8'));
      if (v && v[1] !== major) continue;
    } catch { /* use it anyway */ }
    return dir;
  }
  return undefined;
}

try {
  if (process.env.HAKOZUNA_NO_ADDON === '1') {
    try { writeFileSync(logFile, 'skipped: HAKOZUNA_NO_ADDON=1 at install\n'); } catch { /* optional */ }
    console.warn('[hakozuna] HAKOZUNA_NO_ADDON=1: native release addon not built; releases will only be recorded.');
    process.exit(0);
  }
  if (process.platform === 'win32') fail('madvise is not available on Windows');
  if (!isFile(join(nativeDir, 'binding.gyp'))) fail('native/binding.gyp is missing');

  const args = ['rebuild', '--directory', nativeDir];
  const nodeDir = findNodeDir();
  if (nodeDir) args.push(`--nodedir=${nodeDir}`);

  const gyp = findNodeGyp();
  let cmd, cmdArgs;
  if (gyp) {
    cmd = process.execPath; cmdArgs = [gyp, ...args];
  } else {
    // Last resort: a node-gyp already installed somewhere npx can see, without fetching.
    cmd = process.platform === 'win32' ? 'npx.cmd' : 'npx';
    cmdArgs = ['--no-install', '--offline', 'node-gyp', ...args];
  }
  const t0 = performance.now();
  const r = spawnSync(cmd, cmdArgs, { cwd: root, encoding: 'utf8', timeout: TIMEOUT_MS, env: process.env });
  const log = `$ ${cmd} ${cmdArgs.join(' ')}\n${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  if (r.error) fail(`${gyp ? 'node-gyp' : 'npx node-gyp'} did not run: ${r.error.message}`, log);
  if (r.status !== 0) {
    fail(`node-gyp: ${firstCause(`${r.stdout}\n${r.stderr}`) ?? `exited ${r.status ?? r.signal}`}`, log);
  }
  if (!existsSync(output)) fail(`node-gyp succeeded but ${relative(root, output)} is missing`, log);

  // Prove it loads and works in this Node before declaring success.
  const addon = createRequire(import.meta.url)(output);
  const probe = new Uint8Array(new SharedArrayBuffer(3 * 65536, { maxByteLength: 3 * 65536 }));
  const page = addon.pageSize();
  probe.fill(1);
  const released = addon.release(probe, 0, probe.length);
  if (released <= 0 || probe[page] !== 0) fail(`addon loaded but release did not zero pages (released=${released})`, log);

  try { writeFileSync(logFile, `built: ${output}\n\n${log}`); } catch { /* optional */ }
  console.log(`[hakozuna] native release addon built (${((performance.now() - t0) / 1000).toFixed(1)} s): ` +
    `${relative(root, output)}; releases use madvise(MADV_DONTNEED), OS page ${page} B`);
} catch (err) {
  fail(`unexpected: ${err && err.message ? err.message.split('\n')[0] : String(err)}`);
}
