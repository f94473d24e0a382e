// `node --import hakozuna-lab/bin/lane-hook.mjs app.mjs` with HAKOZUNA_LANE_BUNDLE=<lane bundle>:
// every `import 'hakozuna'` in the app (and in its workers, which inherit
// execArgv and the environment) loads that lane's bundle instead of the default.
// Used by `hakozuna observe --script`.
import { register } from 'node:module';

if (process.env.HAKOZUNA_LANE_BUNDLE) {
  register(new URL('./lane-resolve.mjs', import.meta.url), { data: { bundle: process.env.HAKOZUNA_LANE_BUNDLE } });
}
