/** The Chromium binary to use (CHROMIUM env, /usr/bin/chromium, ...), or undefined. */
export function findChromium(): string | undefined;
/** Installs Debian's chromium where missing and possible; { path } or { reason }. */
export function ensureChromium(): { path: string; reason?: undefined } | { path?: undefined; reason: string };
export const SCRIPT: string;
