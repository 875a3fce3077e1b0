// What a run is doing while it runs, on stderr: the phase (setup, main, healing, recovery, final
// reads, teardown, checking, report) with its elapsed time and, where the run has one, its limit;
// the client ops completed so far as ok / fail / info (the summary's availability counts: history
// entries, invocations and nemesis ops are not client ops); and the faults in force now, with how
// many were injected so far.
//
// On a terminal it is one live line, redrawn every second. Anywhere else — CI logs, `| cat`, a
// file — a redrawn line would be garbage and silence looks like a hang, so it is one plain line
// every 5 s, each complete in itself and starting `faultline: progress: ` (so a script reading
// stderr for an error can skip them).

import type { WriteStream } from "node:tty";
import { FAULT_OPS } from "../../nemeses/catalog.ts";
import type { Op } from "../op.ts";
import type { RunPhase } from "./run-phases.ts";

const LIVE_EVERY_MS = 1000;
const PLAIN_EVERY_MS = 5000;

/** The words a user reads for each phase. */
const PHASE_WORDS: Record<RunPhase, string> = {
  setup: "setup",
  main: "main",
  heal: "healing",
  recovery: "recovery",
  "final reads": "final reads",
  teardown: "teardown",
  checking: "checking",
  report: "report",
};

export interface ProgressOptions {
  /** Each phase's limit in seconds where the run sets one (main: --time, recovery: --recovery,
   *  checking: --check-time-limit); a phase without one shows its elapsed time only. */
  limitsS: Partial<Record<RunPhase, number>>;
  /** One redrawn line (a terminal) or a plain line every 5 s. Default: whether `out` is a TTY. */
  live?: boolean;
}

export class Progress {
  private timer?: NodeJS.Timeout;
  private phase: RunPhase = "setup";
  private phaseStartedAt = Date.now();
  private ok = 0;
  private fail = 0;
  private info = 0;
  private faultsInjected = 0;
  private readonly activeFaults = new Set<string>();
  private readonly live: boolean;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly options: ProgressOptions,
  ) {
    this.live = options.live ?? (out as Partial<WriteStream>).isTTY === true;
  }

  start(): void {
    if (this.timer) return;
    this.phaseStartedAt = Date.now();
    this.timer = setInterval(() => this.render(), this.live ? LIVE_EVERY_MS : PLAIN_EVERY_MS);
    this.timer.unref();
  }

  /** The run entered `phase` (RunPhases' onPhase). On a terminal the line shows it at once. */
  enterPhase(phase: RunPhase): void {
    this.phase = phase;
    this.phaseStartedAt = Date.now();
    if (this.timer && this.live) this.render();
  }

  observe(op: Op): void {
    if (op.process === "nemesis") {
      if (op.type === "ok") this.trackFault(op);
      return;
    }
    if (op.type === "ok") this.ok++;
    else if (op.type === "fail") this.fail++;
    else if (op.type === "info") this.info++;
  }

  /** Stops the updates. On a terminal a run that got to its end leaves its last line drawn; one
   *  that failed has it erased, so its error stands alone. Off a terminal nothing more is written:
   *  the summary or the error follows. */
  stop(reachedEnd: boolean): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    if (!this.live) return;
    if (reachedEnd) {
      this.render();
      this.out.write("\n");
    } else this.out.write("\r\x1b[K");
  }

  /** The status as one line, without terminal control codes. */
  line(): string {
    const elapsedS = Math.floor((Date.now() - this.phaseStartedAt) / 1000);
    const limitS = this.options.limitsS[this.phase];
    const time = limitS === undefined ? `${elapsedS}s` : `${elapsedS}s/${limitS}s`;
    const faults = this.activeFaults.size ? [...this.activeFaults].join(",") : "none";
    return `${PHASE_WORDS[this.phase]} ${time} · client ops ${this.ok} ok, ${this.fail} fail, ${this.info} info · faults now: ${faults} (${this.faultsInjected} injected)`;
  }

  private trackFault(op: Op): void {
    for (const ops of FAULT_OPS) {
      if (op.f === ops.start) {
        this.activeFaults.add(ops.fault);
        this.faultsInjected++;
      }
      if (op.f === ops.stop) this.activeFaults.delete(ops.fault);
    }
  }

  private render(): void {
    const text = this.line();
    if (!this.live) {
      this.out.write(`faultline: progress: ${text}\n`);
      return;
    }
    // \r and erase-to-end-of-line: the line is redrawn in place.
    this.out.write(`\r\x1b[K${text}`);
  }
}
