/**
 * S56 medium waste observe (HZ3_S56_MEDIUM_WASTE_OBSERVE): at the allocation
 * entry, for medium requests (2049..32768 B, i.e. the 4..32 KiB classes), count
 * requested and allocated (class) bytes, in total and per class. Research lane only.
 * With S57 (HZ3_S57_MEDIUM_FINE_CLASSES) the classes are S57's 32 (sc 0..31,
 * 2304..32768 B) and each [HZ3_MEDIUM_WASTE_SC] line names its class's size.
 */
import { S56_WASTE, S56_WASTE_BY_CLASS, counterBase } from './counters.ts';
import { FIRST_MEDIUM_BIN, binSize } from '../heap/size-classes.ts';
import type { Slot } from '../heap/slot.ts';

export function observeMediumRequest(t: Slot, size: number, bin: number): void {
  const f64 = t.arena.f64;
  const base = counterBase(t.slotWord);
  const alloc = binSize(bin);
  const sc = bin - FIRST_MEDIUM_BIN;
  f64[base + S56_WASTE.req] += size;
  f64[base + S56_WASTE.alloc] += alloc;
  f64[base + S56_WASTE_BY_CLASS.req + sc] += size;
  f64[base + S56_WASTE_BY_CLASS.alloc + sc] += alloc;
}
