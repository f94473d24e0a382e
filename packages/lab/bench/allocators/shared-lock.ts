/**
 * The lock a user puts around a single-threaded allocator to share it between
 * workers today: one futex-style mutex (Drepper's "mutex 3") in a
 * SharedArrayBuffer word. 0 = free, 1 = held, 2 = held with waiters.
 * lock(): one compareExchange when free; else spin up to SPIN tries (cheap on
 * short critical sections), then sleep in Atomics.wait until woken.
 * unlock(): one Atomics.sub; a notify only when someone may be waiting.
 * Atomics.wait is allowed on Node's main thread too.
 */
const SPIN = 100;

export class FutexLock {
  private readonly w: Int32Array;
  private readonly i: number;

  constructor(word: Int32Array, index = 0) {
    this.w = word;
    this.i = index;
  }

  lock(): void {
    const w = this.w;
    const i = this.i;
    if (Atomics.compareExchange(w, i, 0, 1) === 0) return;
    for (let n = 0; n < SPIN; n++) {
      if (Atomics.load(w, i) === 0 && Atomics.compareExchange(w, i, 0, 1) === 0) return;
    }
    let c = Atomics.exchange(w, i, 2);
    while (c !== 0) {
      Atomics.wait(w, i, 2);
      c = Atomics.exchange(w, i, 2);
    }
  }

  unlock(): void {
    const w = this.w;
    const i = this.i;
    if (Atomics.sub(w, i, 1) !== 1) {
      Atomics.store(w, i, 0);
      Atomics.notify(w, i, 1);
    }
  }
}

/** A BenchAllocator over `malloc`/`free` behind one FutexLock. */
export class LockedAllocator {
  constructor(
    private readonly lk: FutexLock,
    private readonly m: (size: number) => number,
    private readonly f: (ptr: number) => void,
  ) {}

  malloc(size: number): number {
    this.lk.lock();
    let p: number;
    try {
      p = this.m(size);
    } finally {
      this.lk.unlock();
    }
    if (p === 0) throw new Error(`malloc(${size}) returned 0 (out of memory)`);
    return p;
  }

  free(ptr: number): void {
    this.lk.lock();
    try {
      this.f(ptr);
    } finally {
      this.lk.unlock();
    }
  }
}
