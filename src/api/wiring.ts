/**
 * The boxes and observers this lane carries, plugged into the heap's hooks
 * (src/heap/hooks.ts) once, when the API layer is loaded. The heap never
 * imports a box or an observer: it calls its hooks, and this file, above
 * both, says what they are. A hook whose flag is off keeps its no-op, and the
 * bundle carries none of the box it would have called.
 */
import { hooks } from '../heap/hooks.ts';
import { epochByTime, onEpoch } from '../boxes/epoch.ts';
import { exitPurge } from '../boxes/exit-purge.ts';
import { observeMediumRequest } from '../observe/medium-waste.ts';
import { observeLarge, observeRequest as observeBreakdownRequest } from '../observe/rss-breakdown.ts';
import { MAX_SMALL_SIZE } from '../heap/size-classes.ts';
import { S49_PACK, bump } from '../observe/counters.ts';
import { PACK_HIT, PACK_MISS } from '../heap/hooks.ts';

hooks.onEpoch = onEpoch;
if (HZ3_EPOCH_MS) hooks.epochIfDue = epochByTime;
if (HZ3_S61_THREAD_EXIT_PURGE) hooks.onThreadExit = exitPurge;
if (HZ3_S56_MEDIUM_WASTE_OBSERVE || HZ3_RSS_BREAKDOWN_OBSERVE) {
  hooks.onRequest = (t, size, bin) => {
    if (HZ3_S56_MEDIUM_WASTE_OBSERVE) if (size > MAX_SMALL_SIZE) observeMediumRequest(t, size, bin);
    if (HZ3_RSS_BREAKDOWN_OBSERVE) observeBreakdownRequest(t, size, bin);
  };
}
if (HZ3_RSS_BREAKDOWN_OBSERVE) hooks.onLargeBlock = observeLarge;
if (HZ3_S49_PACK_OBSERVE) {
  hooks.onPackSearch = (a, slotWord, outcome) =>
    bump(a, slotWord, outcome === PACK_HIT ? S49_PACK.hit : outcome === PACK_MISS ? S49_PACK.miss : S49_PACK.new_segment);
}
