import { defineConfig } from 'vitest/config';
import { laneDefines, resolveLane, DEFAULT_LANE } from './src/config/flags.ts';
import { sourceHash } from './scripts/lane-build.mjs';

// Tests over the TypeScript sources see the default lane's flags as globals;
// tests of other lanes build and import that lane's bundle.
const defines = { ...laneDefines(resolveLane(DEFAULT_LANE)), HZ3_BUILD_ID: String(sourceHash()) };
for (const [k, v] of Object.entries(defines)) (globalThis as Record<string, unknown>)[k] = JSON.parse(v);

export default defineConfig({
  define: defines,
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // No record-only warning line in the tests' child processes, which check their
    // stderr, on machines where the addon cannot build; the package-* tests that
    // check the line clear this themselves.
    env: { HAKOZUNA_QUIET: '1' },
  },
});
