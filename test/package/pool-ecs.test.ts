/**
 * @thi.ng/ecs, a program written for thi.ng's pools, run over hakozuna's
 * IMemPool face: components live in typed arrays in the heap, grow by
 * reallocArray, and the values come out as the program put them in.
 */
import { describe, expect, it } from 'vitest';
import { ECS } from '@thi.ng/ecs';
import { MemPool } from '../../src/pool.ts';

describe('@thi.ng/ecs over hakozuna/pool', () => {
  it('simulates particles in components that live in the heap, through a capacity change', () => {
    const pool = new MemPool({ maxBytes: 16 << 20 });
    // The ECS types its pool as thi.ng's IMemPoolArray; MemPool has every method of it.
    const ecs = new ECS<{ pos: Float32Array; vel: Float32Array; id: number }>({ capacity: 1000, pool: pool as never });
    // Component values in the pool too (thi.ng's way: buf + byteOffset), so that resizing reallocates them there.
    const inPool = (id: 'pos' | 'vel') => {
      const vals = pool.mallocAs('f32', 1024 * 2)!;
      return ecs.defComponent({ id, type: 'f32', size: 2, buf: pool.buf as ArrayBuffer, byteOffset: vals.byteOffset })!; // thi.ng types buf as ArrayBuffer; a SharedArrayBuffer works the same
    };
    const pos = inPool('pos');
    const vel = inPool('vel');
    expect(pos).toBeDefined();
    const used = pool.stats().used.count;
    expect(used).toBe(6); // sparse, dense and values of two components
    const ids: number[] = [];
    for (let i = 0; i < 800; i++) ids.push(ecs.defEntity({ pos: [i, 0], vel: [1, i % 7] } as never));
    // One step of the simulation, through the components (fresh views after every resize).
    const step = (): void => {
      for (const id of ids) {
        const p = pos.get(id) as Float32Array;
        const v = vel.get(id) as Float32Array;
        p[0]! += v[0]!;
        p[1]! += v[1]!;
      }
    };
    for (let t = 0; t < 10; t++) step();
    ecs.setCapacity(4000); // every component array grows: reallocArray in the pool
    for (let i = 0; i < 2000; i++) ids.push(ecs.defEntity({ pos: [0, 0], vel: [0, 0] } as never));
    for (let t = 0; t < 5; t++) step();
    for (let i = 0; i < 800; i++) {
      const p = pos.get(ids[i]!) as Float32Array;
      expect([p[0], p[1]]).toEqual([i + 15, 15 * (i % 7)]);
    }
    // The arrays are views of the heap's own buffer, and the heap is sound.
    expect((pos.get(ids[0]!) as Float32Array).buffer).toBe(pool.buf);
    for (const id of ids.slice(0, 400)) ecs.deleteID(id);
    expect(pool.heap.check().problems).toEqual([]);
    expect(pool.stats().used.count).toBe(used); // the grown arrays replaced the first ones
  });
});
