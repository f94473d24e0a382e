/**
 * The flag registry (src/config/flags.ts): the generated global types, the one
 * NAME=VALUE parser, and what flags require of each other.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLAG_SPECS, FlagError, LANES, globalsDeclarations, parseFlagAssignments, resolveLane } from '../../src/config/flags.ts';

const root = join(import.meta.dirname, '..', '..');

describe('the flag globals', () => {
  it('src/config/globals.d.ts is what the registry generates (run node scripts/build.mjs when this fails)', () => {
    const file = readFileSync(join(root, 'src', 'config', 'globals.d.ts'), 'utf8');
    expect(file).toBe(globalsDeclarations());
    for (const s of FLAG_SPECS) expect(file).toContain(`declare const ${s.name}: number;`);
  });
});

describe('NAME=VALUE', () => {
  it('parses numbers and true/false, and refuses the rest naming the flag', () => {
    expect(parseFlagAssignments(['HZ3_FREE_CHECKS=false', ' HZ3_EPOCH_MS = 50 ', 'HZ3_S49_PACK_OBSERVE=true'])).toEqual({
      HZ3_FREE_CHECKS: 0,
      HZ3_EPOCH_MS: 50,
      HZ3_S49_PACK_OBSERVE: 1,
    });
    expect(() => parseFlagAssignments(['HZ3_FREE_CHECKS'])).toThrow(/"HZ3_FREE_CHECKS" must be written NAME=VALUE/);
    expect(() => parseFlagAssignments(['HZ3_EPOCH_MS=soon'])).toThrow(/HZ3_EPOCH_MS: value "soon" is not a number/);
    expect(() => parseFlagAssignments(['HZ3_EPOCH_MS='])).toThrow(/is not a number/);
    expect(() => parseFlagAssignments(['HZ3_NOPE=1'])).toThrow(/unknown flag HZ3_NOPE/);
    expect(() => parseFlagAssignments(['HZ3_FREE_CHECKS=2'])).toThrow(/HZ3_FREE_CHECKS=2 is out of range \[0, 1\]/);
  });
});

describe('what flags require', () => {
  it('names only registered flags, and every preset meets it', () => {
    const names = new Set(FLAG_SPECS.map((s) => s.name));
    for (const s of FLAG_SPECS) {
      for (const need of s.requires ?? []) {
        for (const n of typeof need === 'string' ? [need] : need) {
          expect(names.has(n), `${s.name} requires ${n}`).toBe(true);
          expect(n).not.toBe(s.name);
        }
      }
    }
    for (const lane of Object.keys(LANES)) expect(() => resolveLane(lane), lane).not.toThrow();
  });

  it('refuses a lane whose flag lacks what it requires, naming both flags', () => {
    const refused = (lane: string, overrides: Record<string, number>, base?: string): FlagError => {
      try {
        resolveLane(lane, overrides, base);
      } catch (e) {
        expect(e).toBeInstanceOf(FlagError);
        return e as FlagError;
      }
      throw new Error(`${lane} ${JSON.stringify(overrides)} was not refused`);
    };
    // The safe lane's atomic claim is part of the free checks: without them it checks nothing.
    expect(refused('x', { HZ3_SAFE_ATOMIC_CHECKS: 1 }, 'fast').message).toBe(
      'flag HZ3_SAFE_ATOMIC_CHECKS=1 requires HZ3_FREE_CHECKS on, but lane x (from fast) has HZ3_FREE_CHECKS=0: set it, or leave HZ3_SAFE_ATOMIC_CHECKS at its default (0)',
    );
    expect(refused('safe', { HZ3_FREE_CHECKS: 0 }).message).toMatch(/HZ3_SAFE_ATOMIC_CHECKS=1 requires HZ3_FREE_CHECKS on, but lane safe has HZ3_FREE_CHECKS=0/);
    // A box's parameters need the box.
    expect(refused('x', { HZ3_S55_3B_DELAY_EPOCHS: 4 }).message).toMatch(/HZ3_S55_3B_DELAY_EPOCHS=4 requires HZ3_S55_3B_DELAYED_SUBRELEASE on/);
    expect(refused('x', { HZ3_DECAY_MS: 20 }).message).toMatch(/HZ3_DECAY_MS=20 requires HZ3_DECAY_PURGE on/);
    expect(refused('x', { HZ3_DECAY_CENTRAL: 0 }).message).toMatch(/HZ3_DECAY_CENTRAL=0 requires HZ3_DECAY_PURGE on/);
    expect(refused('x', { HZ3_S55_3_EPOCH_MULT: 2 }).message).toMatch(/HZ3_S55_3_EPOCH_MULT=2 requires HZ3_S55_3_MEDIUM_SUBRELEASE on/);
    // One of several boxes will do.
    expect(refused('x', { HZ3_S55_3_PAGE_BUDGET: 128 }).message).toMatch(
      /HZ3_S55_3_PAGE_BUDGET=128 requires one of HZ3_S55_3_MEDIUM_SUBRELEASE, HZ3_S55_3B_DELAYED_SUBRELEASE, HZ3_DECAY_PURGE on, but lane x \(from scale\) has HZ3_S55_3_MEDIUM_SUBRELEASE=0, HZ3_S55_3B_DELAYED_SUBRELEASE=0, HZ3_DECAY_PURGE=0/,
    );
    expect(resolveLane('x', { HZ3_S55_3_PAGE_BUDGET: 128 }, 'mem').flags.HZ3_S55_3_PAGE_BUDGET).toBe(128);
    expect(resolveLane('x', { HZ3_S55_3_PAGE_BUDGET: 128, HZ3_S55_3B_DELAYED_SUBRELEASE: 1 }).flags.HZ3_S55_3_PAGE_BUDGET).toBe(128);
    expect(resolveLane('x', { HZ3_S55_3_CALL_CAP: 8, HZ3_S55_3_MEDIUM_SUBRELEASE: 1 }).flags.HZ3_S55_3_CALL_CAP).toBe(8);
    expect(refused('x', { HZ3_S55_3_CALL_CAP: 8, HZ3_S55_3B_DELAYED_SUBRELEASE: 1 }).message).toMatch(/HZ3_S55_3_CALL_CAP=8 requires one of HZ3_S55_3_MEDIUM_SUBRELEASE, HZ3_DECAY_PURGE on/);
    // At its default a parameter asks nothing, with or without its box.
    expect(() => resolveLane('x', { HZ3_DECAY_MS: 100, HZ3_S55_3B_DELAY_EPOCHS: 8 })).not.toThrow();
    expect(resolveLane('x', { HZ3_DECAY_MS: 20 }, 'mem').flags.HZ3_DECAY_MS).toBe(20);
  });
});
