// One wake-up on the injected clock, set to the earliest time anyone asked for. The interpreter
// keeps two: one for op deadlines and one for generators waiting on time. Asking for a later time
// than the one set costs nothing, so setting it per op is cheap; ringing early or for a time nobody
// waits for any more is harmless, because whoever is woken looks at the state again.

import type { Clock } from "../clock.ts";

export class Alarm {
  private armed: { atNs: number; cancel: AbortController } | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly onRing: () => void,
  ) {}

  /** Makes sure the alarm rings at `atNs` or earlier. */
  setBy(atNs: number): void {
    if (this.armed !== undefined && this.armed.atNs <= atNs) return;
    this.armed?.cancel.abort();
    // An AbortController costs microseconds, so one is made per arming, never per op.
    const armed = { atNs, cancel: new AbortController() };
    this.armed = armed;
    this.clock.sleepUntil(atNs, armed.cancel.signal).then(() => {
      if (this.armed !== armed) return;
      this.armed = undefined;
      this.onRing();
    });
  }

  /** Disarms it for good at the end of a run, so no timer keeps the process alive. */
  dispose(): void {
    const armed = this.armed;
    this.armed = undefined;
    armed?.cancel.abort();
  }
}
