/**
 * The layer rule (scripts/layers.mjs) holds over the whole import graph, type
 * imports included, and docs/ARCHITECTURE.md shows the rule's own table.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAYERS, ROOT, importGraph, layerOf, layerTable, violations } from '../scripts/layers.mjs';

describe('layers', () => {
  it('every file imports only its own layer and the ones below, and no import chain comes back to its start', () => {
    expect(violations()).toEqual([]);
  });

  it('every source file is in a layer, and the graph is read (type-only imports too)', () => {
    const { files, edges } = importGraph();
    expect(files.length).toBeGreaterThan(80);
    for (const f of files) expect(layerOf(f), f).toBeGreaterThanOrEqual(0);
    // A type-only import is an edge like any other: the hot path's file uses the Slot type of slot.ts.
    expect(edges).toContainEqual({ from: 'src/heap/thread-cache.ts', to: 'src/heap/slot.ts' });
  });

  it('the rule sees what it forbids', () => {
    expect(layerOf('src/heap/segments.ts')).toBeLessThan(layerOf('src/observe/counters.ts'));
    expect(layerOf('src/platform/node.ts')).toBeLessThan(layerOf('src/heap/arena.ts'));
    expect(layerOf('packages/lab/bench/workloads/index.ts')).toBeLessThan(layerOf('packages/lab/src/bench.ts'));
    expect(LAYERS[layerOf('src/index.ts')].layer).toBe('faces');
  });

  it('docs/ARCHITECTURE.md carries the table the rule writes (node scripts/layers.mjs --table)', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8');
    const m = /<!-- layers: node scripts\/layers.mjs --table -->\n([\s\S]*?)\n<!-- \/layers -->/.exec(doc);
    expect(m, 'the layer table markers in docs/ARCHITECTURE.md').not.toBeNull();
    expect(m![1]).toBe(layerTable());
  });
});
