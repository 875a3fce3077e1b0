// Time enters the harness only through a Clock, so generators and workers can be driven by
// virtual time in tests and simulations (DESIGN §4.2).

export interface Clock {
  /** Nanoseconds since this clock's origin (the start of the run); monotonic. */
  nowNs(): number;
  /** Resolves once nowNs() has passed `untilNs`, or early if the signal aborts. */
  sleepUntil(untilNs: number, signal?: AbortSignal): Promise<void>;
}

export const NS_PER_MS = 1_000_000;
export const NS_PER_S = 1_000_000_000;

/** Wall-time clock over process.hrtime, origin at construction. */
export class RealClock implements Clock {
  private readonly origin = process.hrtime.bigint();

  nowNs(): number {
    return Number(process.hrtime.bigint() - this.origin);
  }

  sleepUntil(untilNs: number, signal?: AbortSignal): Promise<void> {
    const waitMs = (untilNs - this.nowNs()) / NS_PER_MS;
    if (waitMs <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.ceil(waitMs));
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    });
  }
}

/** A clock that moves only when told to; sleepers wake in time order. For tests and simulation. */
export class VirtualClock implements Clock {
  private now = 0;
  private sleepers: { untilNs: number; wake: () => void }[] = [];

  nowNs(): number {
    return this.now;
  }

  sleepUntil(untilNs: number, signal?: AbortSignal): Promise<void> {
    if (untilNs <= this.now || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      // The abort listener must go when the sleeper wakes: callers reuse one signal for many sleeps.
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        resolve();
      };
      const sleeper = {
        untilNs,
        wake: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      this.sleepers.push(sleeper);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Moves time forward to `toNs` and wakes every sleeper whose deadline has passed. */
  advanceTo(toNs: number): void {
    if (toNs < this.now) throw new Error(`VirtualClock cannot go back in time: ${toNs} < ${this.now}`);
    this.now = toNs;
    const due = this.sleepers.filter((s) => s.untilNs <= toNs).sort((a, b) => a.untilNs - b.untilNs);
    this.sleepers = this.sleepers.filter((s) => s.untilNs > toNs);
    for (const s of due) s.wake();
  }

  /** The earliest pending wake-up, if anyone sleeps. */
  nextWakeNs(): number | undefined {
    let min: number | undefined;
    for (const s of this.sleepers) if (min === undefined || s.untilNs < min) min = s.untilNs;
    return min;
  }
}
