// A node's wall clock as the clock nemesis can move it, without touching the host's clock (which
// every node on the machine, and the harness, share). Our own nodes read wall time only through a
// ControlledClock; the nemesis writes its control file. The file holds a relative offset in
// libfaketime's notation — "+1.250000" or "-0.500000" seconds — the same text the nemesis writes
// into the faketime control file of a real server preloaded with libfaketime, so one writer serves
// both. A missing, empty or unreadable file means no offset.
//
// The file lives beside the node's data (the machine's clock outlives the process): a node
// restarted during a clock fault keeps the offset, as it would on a skewed machine. Monotonic time
// (timers, ticks, timeouts) is not moved, as on a real machine whose wall clock is stepped.

import { readFileSync, statSync } from "node:fs";

export const CLOCK_CONTROL_FILE = "faultline-clock";
/** How often the node looks at the control file: a new offset takes effect within this. */
const POLL_MS = 10;

/** "+1.250000" for 1250 ms, "-0.004000" for −4 ms. */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? "-" : "+";
  return `${sign}${(Math.abs(offsetMs) / 1000).toFixed(6)}`;
}

/** Milliseconds of a relative offset in libfaketime's notation ("+1.5", "-2", "+0"), or undefined
 *  when the text is not one (an absolute time, a rate, garbage). */
export function parseOffset(text: string): number | undefined {
  const match = /^\s*([+-])(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!match) return undefined;
  const ms = Number(match[2]) * 1000;
  return match[1] === "-" ? -ms : ms;
}

export class ControlledClock {
  private offsetMs = 0;
  /** inode, mtime and size of the control file when last read ("" when absent). */
  private lastSeen = "-";
  private readonly timer: NodeJS.Timeout;

  /** `log` hears every change of offset, so the node's own log says when its clock moved. */
  constructor(
    private readonly controlFile: string,
    private readonly log: (line: string) => void,
  ) {
    this.poll();
    this.timer = setInterval(() => this.poll(), POLL_MS);
    this.timer.unref();
  }

  /** Wall time in ms, as this node's (possibly skewed) clock reads it. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  get offset(): number {
    return this.offsetMs;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private poll(): void {
    let seen = "";
    try {
      const stat = statSync(this.controlFile);
      // The writer replaces the file (rename), so a new inode marks every change.
      seen = `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
    } catch {
      seen = "";
    }
    if (seen === this.lastSeen) return;
    this.lastSeen = seen;
    let offset = 0;
    if (seen !== "") {
      try {
        const text = readFileSync(this.controlFile, "utf8");
        offset = parseOffset(text) ?? 0;
        if (text.trim() !== "" && parseOffset(text) === undefined) this.log(`clock: ignoring ${this.controlFile}: "${text.trim().slice(0, 40)}" is not a relative offset like +1.5 or -0.25`);
      } catch {
        offset = 0;
      }
    }
    if (offset !== this.offsetMs) {
      this.log(`clock: wall clock now ${formatOffset(offset)} s from real time (was ${formatOffset(this.offsetMs)} s)`);
      this.offsetMs = offset;
    }
  }
}
