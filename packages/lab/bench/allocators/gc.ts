/**
 * gc: the garbage-collected baseline. malloc = `new Uint8Array(size)` kept in a
 * JS array of live objects (the "pointer" is its index + 1); free drops the
 * reference and recycles the index. V8's GC does the real freeing.
 */
import type { AllocatorModule } from '../protocol.ts';

class GcAllocator {
  private live: (Uint8Array | undefined)[] = [];
  private freeIdx = new Int32Array(1024);
  private freeTop = 0;

  malloc(size: number): number {
    const block = new Uint8Array(size);
    let i: number;
    if (this.freeTop > 0) i = this.freeIdx[--this.freeTop]!;
    else i = this.live.length;
    this.live[i] = block;
    return i + 1;
  }

  free(ptr: number): void {
    const i = ptr - 1;
    this.live[i] = undefined;
    if (this.freeTop === this.freeIdx.length) {
      const grown = new Int32Array(this.freeIdx.length * 2);
      grown.set(this.freeIdx);
      this.freeIdx = grown;
    }
    this.freeIdx[this.freeTop++] = i;
  }

  liveCount(): number {
    return this.live.length - this.freeTop;
  }
}

const gc: AllocatorModule = {
  name: 'gc',
  create() {
    const a = new GcAllocator();
    return {
      alloc: a,
      stats: () => {
        const m = process.memoryUsage();
        return { heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, liveObjects: a.liveCount() };
      },
    };
  },
};
export default gc;
