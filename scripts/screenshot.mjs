#!/usr/bin/env node
// Headless Chromium on a local HTML file: a PNG screenshot and/or the DOM after
// load. Used by the browser test of the HTML report and to make
// docs/report-screenshot.png:
//
//   node scripts/screenshot.mjs bench/out/<run>/report.html docs/report-screenshot.png [WIDTHxHEIGHT]
//
// Chromium comes from scripts/ensure-chromium.mjs (Debian's package). Every run
// gets a fresh profile directory; nothing is fetched (no network features on).
import { mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findChromium } from './ensure-chromium.mjs';

/**
 * Load `htmlFile` in headless Chromium. Options: screenshot (PNG path), dumpDom (bool),
 * width/height of the window (default 1300x2000), timeoutMs (default 60 s).
 * Returns { dom } (the serialized DOM when dumpDom) or throws with Chromium's stderr.
 */
export function runHeadless(htmlFile, { screenshot, dumpDom = false, width = 1300, height = 2000, timeoutMs = 60_000 } = {}) {
  const chromium = findChromium();
  if (!chromium) throw new Error('no chromium: run node scripts/ensure-chromium.mjs');
  const profile = mkdtempSync(join(tmpdir(), 'hz-chromium-'));
  try {
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      `--window-size=${width},${height}`,
      ...(screenshot ? [`--screenshot=${resolve(screenshot)}`] : []),
      ...(dumpDom ? ['--dump-dom'] : []),
      pathToFileURL(resolve(htmlFile)).href,
    ];
    const r = spawnSync(chromium, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    if (r.error !== undefined || r.status !== 0) {
      throw new Error(`chromium failed (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr ?? '').split('\n').slice(-5).join(' | ')}`);
    }
    return { dom: dumpDom ? r.stdout : undefined };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [html, png, size = '1300x2000'] = process.argv.slice(2);
  if (!html || !png) {
    process.stderr.write('usage: node scripts/screenshot.mjs REPORT.html OUT.png [WIDTHxHEIGHT]\n');
    process.exit(2);
  }
  const [width, height] = size.split('x').map(Number);
  runHeadless(html, { screenshot: png, width, height });
  process.stdout.write(`screenshot: ${png}\n`);
}
