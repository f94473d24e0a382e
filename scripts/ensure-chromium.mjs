#!/usr/bin/env node
// Makes sure a headless Chromium is there for the browser test of the HTML
// report (test/lab/report-html.test.ts). Usage: node scripts/ensure-chromium.mjs
//
// - Chromium found (CHROMIUM env, /usr/bin/chromium, chromium-browser, google-chrome): done.
// - Otherwise, when we are root and apt-get exists: apt-get update && apt-get install -y chromium
//   (Debian's package, with fonts-dejavu-core for the report's font).
// - Otherwise, or when the install fails: say so clearly and exit 0; the browser test
//   then skips itself with the same message. Never fails the test command.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** The Chromium binary to use, or undefined. */
export function findChromium() {
  const env = process.env.CHROMIUM;
  if (env && existsSync(env)) return env;
  return CANDIDATES.find((p) => existsSync(p));
}

function run(cmd, args) {
  process.stderr.write(`[ensure-chromium] ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.error === undefined && r.status === 0;
}

/** Returns { path } when Chromium is (now) there, else { reason }. */
export function ensureChromium() {
  const found = findChromium();
  if (found) return { path: found };
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) return { reason: 'Chromium is not installed and we are not root (apt-get install chromium needs root)' };
  if (spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) return { reason: 'Chromium is not installed and apt-get is not available' };
  if (!run('apt-get', ['update'])) return { reason: 'apt-get update failed (no network to the Debian mirror?)' };
  // fonts-dejavu-core: the report's font, so screenshots look the same everywhere.
  if (!run('apt-get', ['install', '-y', 'chromium', 'fonts-dejavu-core'])) return { reason: 'apt-get install -y chromium failed' };
  const now = findChromium();
  return now ? { path: now } : { reason: 'apt-get install chromium ran but no chromium binary was found' };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = ensureChromium();
  if (r.path) process.stdout.write(`[ensure-chromium] chromium: ${r.path}\n`);
  else process.stdout.write(`[ensure-chromium] no chromium: ${r.reason}. The browser test of the HTML report will be skipped.\n`);
}

export const SCRIPT = fileURLToPath(import.meta.url);
