/**
 * The flag registry: every compile-time switch of hakozuna, in one place.
 *
 * A flag is a build-time constant. Lane bundles are built by esbuild with each
 * flag `define`d as a literal (see `laneDefines`), so `if (HZ3_X) { ... }` with
 * the flag off is dead code and the bundle carries none of the box's code.
 * Unbundled runs (vitest over the TypeScript sources) get the default lane's
 * values as globals from vitest.config.ts.
 *
 * Three layers of configuration, as in hz3: the defaults below, a lane preset,
 * and `NAME=VALUE` overrides for an A/B run (`hakozuna build --lane my-ab --flag ...`).
 * A flag's phase id (S55-3, S56, ...) rides in its name and in its stats line.
 *
 * Boxes and observers default to off. Two flags default to on because they are
 * not experiments: HZ3_FREE_CHECKS (the double/interior-free check, 0.4-0.7
 * ns/op; off in the `fast` lane) and HZ3_S49_SEGMENT_PACK (reusing partly free
 * segments; off, freed holes are only reused once their segment is fully free).
 */

export type FlagKind = 'box' | 'observe' | 'check' | 'param';

export interface FlagSpec {
  /** The global identifier the code reads, e.g. `HZ3_S56_MEDIUM_WASTE_OBSERVE`. */
  readonly name: string;
  readonly kind: FlagKind;
  /** Value in the default lane (`scale`). Booleans are 0/1. */
  readonly default: number;
  /** Smallest and largest accepted value. */
  readonly min: number;
  readonly max: number;
  /** One line: what switching it does. */
  readonly doc: string;
  /**
   * What this flag needs whenever it is away from its default: flags that must
   * be on (not 0); a list inside the list means any one of them. A lane that
   * breaks it is refused (resolveLane): its code would ignore this flag, under a
   * fingerprint of its own.
   */
  readonly requires?: readonly (string | readonly string[])[];
}

export const FLAG_SPECS: readonly FlagSpec[] = [
  {
    name: 'HZ3_FREE_CHECKS',
    kind: 'check',
    default: 1,
    min: 0,
    max: 1,
    doc: 'One byte per 16-byte granule, set by malloc and cleared by free: catches double free and interior-pointer free on the hot path.',
  },
  {
    name: 'HZ3_SAFE_ATOMIC_CHECKS',
    kind: 'check',
    default: 0,
    min: 0,
    max: 1,
    doc: 'Safe lane: free claims the granule mark with Atomics.compareExchange, so two threads freeing one block at once cannot both succeed.',
    requires: ['HZ3_FREE_CHECKS'],
  },
  {
    name: 'HZ3_ASSERT',
    kind: 'check',
    default: 0,
    min: 0,
    max: 1,
    doc: 'Debug lane: the slow paths assert the invariants of what they hand on (refill, drain, central push and pop, remote flush, page take and return; src/heap/assert.ts) and throw EINVARIANT when one breaks. Slow; for tests and bug hunts.',
  },
  {
    name: 'HZ3_S49_SEGMENT_PACK',
    kind: 'box',
    default: 1,
    min: 0,
    max: 1,
    doc: 'S49: before opening a new segment, carve from a partly free one whose largest free run fits.',
  },
  {
    name: 'HZ3_S49_PACK_OBSERVE',
    kind: 'observe',
    default: 0,
    min: 0,
    max: 1,
    doc: 'S49 observe: count pack hit / miss / new_segment; prints [HZ3_S49_PACK].',
  },
  {
    name: 'HZ3_RSS_BREAKDOWN_OBSERVE',
    kind: 'observe',
    default: 0,
    min: 0,
    max: 1,
    doc: 'RSS breakdown: count requested bytes per class (and per large block) so heap.rssBreakdown() and the [HZ3_RSS_BREAKDOWN] line can split resident bytes into live, rounding waste, caches, free pages and metadata.',
  },
  {
    name: 'HZ3_S56_MEDIUM_WASTE_OBSERVE',
    kind: 'observe',
    default: 0,
    min: 0,
    max: 1,
    doc: 'S56: count requested vs allocated bytes of medium requests per class; prints [HZ3_MEDIUM_WASTE_OBS] and [HZ3_MEDIUM_WASTE_SC].',
  },
  {
    name: 'HZ3_S57_MEDIUM_FINE_CLASSES',
    kind: 'box',
    default: 0,
    min: 0,
    max: 1,
    doc: 'S57: 32 medium classes 2304..32768 B at most 12.5% apart (instead of 8 classes of 4..32 KiB), several objects per run of 1..13 pages.',
  },
  {
    name: 'HZ3_S55_3_MEDIUM_SUBRELEASE',
    kind: 'box',
    default: 0,
    min: 0,
    max: 1,
    doc: 'S55-3: at the epoch, return medium runs from central to their segments and release them to the OS (mem lane).',
  },
  {
    name: 'HZ3_S55_3_PAGE_BUDGET',
    kind: 'param',
    default: 256,
    min: 1,
    max: 1 << 20,
    doc: 'S55-3: pages released per epoch at most.',
    // Also S55-3B's scheduling budget and the decay purge's page budget.
    requires: [['HZ3_S55_3_MEDIUM_SUBRELEASE', 'HZ3_S55_3B_DELAYED_SUBRELEASE', 'HZ3_DECAY_PURGE']],
  },
  {
    name: 'HZ3_S55_3_CALL_CAP',
    kind: 'param',
    default: 32,
    min: 1,
    max: 1 << 20,
    doc: 'S55-3: release calls per epoch at most.',
    // Also the decay purge's call cap.
    requires: [['HZ3_S55_3_MEDIUM_SUBRELEASE', 'HZ3_DECAY_PURGE']],
  },
  {
    name: 'HZ3_S55_3_EPOCH_MULT',
    kind: 'param',
    default: 1,
    min: 1,
    max: 1 << 16,
    doc: 'S55-3: run the subrelease every N-th epoch.',
    requires: ['HZ3_S55_3_MEDIUM_SUBRELEASE'],
  },
  {
    name: 'HZ3_S55_3B_DELAYED_SUBRELEASE',
    kind: 'box',
    default: 0,
    min: 0,
    max: 1,
    doc: 'S55-3B: schedule medium runs in a per-thread ring; release them after DELAY_EPOCHS only if still free.',
  },
  {
    name: 'HZ3_S55_3B_DELAY_EPOCHS',
    kind: 'param',
    default: 8,
    min: 1,
    max: 1 << 16,
    doc: 'S55-3B: epochs a candidate waits before it may be released.',
    requires: ['HZ3_S55_3B_DELAYED_SUBRELEASE'],
  },
  {
    name: 'HZ3_S61_THREAD_EXIT_PURGE',
    kind: 'box',
    default: 0,
    min: 0,
    max: 1,
    doc: 'S61: at thread exit, return the cache to segments and release segments that became fully free.',
  },
  {
    name: 'HZ3_EPOCH_REFILLS',
    kind: 'param',
    default: 1024,
    min: 1,
    max: 1 << 24,
    doc: 'Refills (slow-path events) per thread between two advances of the global epoch.',
  },
  {
    name: 'HZ3_EPOCH_MS',
    kind: 'param',
    default: 0,
    min: 0,
    max: 1 << 20,
    doc: 'Also advance the epoch when this many ms have passed (checked every 64 refills and at each thread\'s 250 ms heartbeat, so idle threads reach it too); 0: by refills only.',
  },
  {
    name: 'HZ3_DECAY_PURGE',
    kind: 'box',
    default: 0,
    min: 0,
    max: 1,
    doc: 'Decay purge (mem lane): at the epoch, return wholly free pages and runs from central to their segments, then release resident free pages that stayed free HZ3_DECAY_MS, at most HZ3_S55_3_PAGE_BUDGET pages in HZ3_S55_3_CALL_CAP calls.',
  },
  {
    name: 'HZ3_DECAY_CENTRAL',
    kind: 'param',
    default: 1,
    min: 0,
    max: 1,
    doc: 'Decay purge: 1 returns central\'s wholly free pages and runs to their segments at each purge (then released after the delay); 0 leaves central alone and releases only pages already free in segments.',
    requires: ['HZ3_DECAY_PURGE'],
  },
  {
    name: 'HZ3_DECAY_MS',
    kind: 'param',
    default: 100,
    min: 0,
    max: 1 << 24,
    doc: 'Decay purge: how long a page stays free in its segment before it may be released.',
    requires: ['HZ3_DECAY_PURGE'],
  },
];

/** Flags that existed once: naming one fails loudly with the reason. */
export const RETIRED_FLAGS: Readonly<Record<string, string>> = {};

export type FlagValues = Readonly<Record<string, number>>;

export interface LaneSpec {
  readonly doc: string;
  /** Values that differ from the defaults. */
  readonly flags: FlagValues;
}

export const DEFAULT_LANE = 'scale';

export const LANES: Readonly<Record<string, LaneSpec>> = {
  scale: { doc: 'Default: thread caches, remote free, free checks on, no release boxes.', flags: {} },
  fast: { doc: 'Like scale without the granule free checks (double/interior free are not caught).', flags: { HZ3_FREE_CHECKS: 0 } },
  safe: { doc: 'Like scale with the granule mark claimed atomically by free: a double free stays caught even when two threads race on it.', flags: { HZ3_SAFE_ATOMIC_CHECKS: 1 } },
  debug: {
    doc: 'Like scale with invariant assertions in the slow paths (HZ3_ASSERT): a broken free list, chain count or page book throws EINVARIANT where it happens.',
    flags: { HZ3_ASSERT: 1 },
  },
  mem: {
    doc: 'Decay purge: free pages released once they stayed free HZ3_DECAY_MS, at a time-based epoch (every 50 ms).',
    flags: { HZ3_DECAY_PURGE: 1, HZ3_EPOCH_MS: 50 },
  },
  research: {
    doc: 'Observers on: S56 medium waste, S49 pack counters and the RSS breakdown (sampled at a 50 ms epoch), printed once at exit.',
    flags: { HZ3_S56_MEDIUM_WASTE_OBSERVE: 1, HZ3_S49_PACK_OBSERVE: 1, HZ3_RSS_BREAKDOWN_OBSERVE: 1, HZ3_EPOCH_MS: 50 },
  },
};

const SPEC_BY_NAME = new Map(FLAG_SPECS.map((s) => [s.name, s]));

export class FlagError extends Error {
  override name = 'FlagError';
}

/** Check one `NAME=VALUE` override (value already parsed) against the registry. */
function checkFlag(name: string, value: number): void {
  const retired = RETIRED_FLAGS[name];
  if (retired !== undefined) throw new FlagError(`flag ${name} is retired: ${retired}`);
  const spec = SPEC_BY_NAME.get(name);
  if (spec === undefined) {
    throw new FlagError(`unknown flag ${name}; known flags: ${FLAG_SPECS.map((s) => s.name).join(', ')}`);
  }
  if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
    throw new FlagError(`flag ${name}=${value} is out of range [${spec.min}, ${spec.max}]`);
  }
}

/** Parse `NAME=VALUE` strings (as given on the command line). */
export function parseFlagAssignments(assignments: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new FlagError(`flag "${a}" must be written NAME=VALUE`);
    const name = a.slice(0, eq).trim();
    const text = a.slice(eq + 1).trim();
    const value = text === 'true' ? 1 : text === 'false' ? 0 : Number(text);
    if (text === '' || Number.isNaN(value)) throw new FlagError(`flag ${name}: value "${text}" is not a number`);
    checkFlag(name, value);
    out[name] = value;
  }
  return out;
}

export interface ResolvedLane {
  readonly lane: string;
  readonly flags: FlagValues;
}

/**
 * The full flag set of a lane: defaults, then the lane preset (if `base` names
 * one), then overrides. A custom lane name takes `base` (default `scale`) as its preset.
 */
export function resolveLane(lane: string, overrides: FlagValues = {}, base?: string): ResolvedLane {
  if (!/^[a-z0-9][a-z0-9_-]{0,31}$/.test(lane)) {
    throw new FlagError(`lane name "${lane}" must be 1-32 characters of a-z, 0-9, '-' or '_'`);
  }
  const presetName = LANES[lane] !== undefined ? lane : (base ?? DEFAULT_LANE);
  const preset = LANES[presetName];
  if (preset === undefined) throw new FlagError(`unknown base lane ${presetName}; lanes: ${Object.keys(LANES).join(', ')}`);
  const flags: Record<string, number> = {};
  for (const s of FLAG_SPECS) flags[s.name] = s.default;
  for (const [k, v] of Object.entries(preset.flags)) flags[k] = v;
  for (const [k, v] of Object.entries(overrides)) {
    checkFlag(k, v);
    flags[k] = v;
  }
  checkRequirements(lane, presetName, flags);
  return { lane, flags };
}

/** Refuse a flag set where a flag away from its default lacks what it requires (FlagSpec.requires). */
function checkRequirements(lane: string, presetName: string, flags: FlagValues): void {
  for (const s of FLAG_SPECS) {
    if (s.requires === undefined || flags[s.name] === s.default) continue;
    for (const need of s.requires) {
      const anyOf = typeof need === 'string' ? [need] : need;
      if (anyOf.some((n) => flags[n] !== 0)) continue;
      const now = anyOf.map((n) => `${n}=${flags[n]}`).join(', ');
      const what = anyOf.length === 1 ? `${anyOf[0]} on` : `one of ${anyOf.join(', ')} on`;
      const where = lane === presetName ? `lane ${lane}` : `lane ${lane} (from ${presetName})`;
      throw new FlagError(`flag ${s.name}=${flags[s.name]} requires ${what}, but ${where} has ${now}: set it, or leave ${s.name} at its default (${s.default})`);
    }
  }
}

/** FNV-1a over the lane name and every flag value: stored in the heap header. */
export function laneFingerprint(resolved: ResolvedLane): number {
  let h = 0x811c9dc5;
  const text = resolved.lane + '|' + FLAG_SPECS.map((s) => `${s.name}=${resolved.flags[s.name]}`).join(',');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The globals a bundle gets beside the flags: name, type and meaning. */
const LANE_GLOBALS: readonly { name: string; type: string; doc: string }[] = [
  { name: 'HZ3_LANE', type: 'string', doc: 'The lane\'s name, written into every heap\'s header.' },
  { name: 'HZ3_LANE_FINGERPRINT', type: 'number', doc: 'laneFingerprint: two threads of one heap must run the same lane.' },
  { name: 'HZ3_BUILD_ID', type: 'number', doc: 'Hash of the allocator\'s sources: two threads of one heap must run the same build.' },
];

/**
 * The text of src/config/globals.d.ts, the types of every build-time global:
 * generated from this registry by scripts/build.mjs, and checked against it by
 * test/lanes/flags.test.ts.
 */
export function globalsDeclarations(): string {
  const lines = [
    '// Generated from the flag registry (src/config/flags.ts) by scripts/build.mjs: do not edit.',
    '// Build-time constants: replaced by literals in lane bundles (esbuild `define`),',
    '// set as globals from the default lane when tests run the TypeScript sources.',
  ];
  for (const g of LANE_GLOBALS) lines.push(`/** ${g.doc} */`, `declare const ${g.name}: ${g.type};`);
  for (const s of FLAG_SPECS) {
    const requires = s.requires === undefined ? '' : `; requires ${s.requires.map((r) => (typeof r === 'string' ? r : r.join(' or '))).join(', ')}`;
    lines.push(`/** ${s.doc.replaceAll('*/', '* /')} (${s.kind}; default ${s.default}; ${s.min}..${s.max}${requires}) */`, `declare const ${s.name}: number;`);
  }
  return lines.join('\n') + '\n';
}

/** The esbuild `define` map that bakes a lane into a bundle. */
export function laneDefines(resolved: ResolvedLane): Record<string, string> {
  const d: Record<string, string> = {};
  for (const s of FLAG_SPECS) d[s.name] = String(resolved.flags[s.name]);
  d.HZ3_LANE = JSON.stringify(resolved.lane);
  d.HZ3_LANE_FINGERPRINT = String(laneFingerprint(resolved));
  return d;
}
