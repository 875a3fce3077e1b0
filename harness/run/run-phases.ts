// Where a run is (setup → main → heal → recovery → final reads → teardown → checking → report),
// and how it ended if it did not finish on its own: a stop request (SIGINT, SIGTERM, a caller's
// AbortSignal) or a crash. The runner moves it forward; every phase is a `phase <name>` line in
// harness.log, so a user (and the end-to-end tests) can see how far a run got. An interrupted or
// crashed run's results say so next to the verdict (withEnding).

import type { CheckResult } from "../../checkers/checker.ts";
import type { RunCrash, RunInterruption } from "../store/results.ts";
import { describeRunEnding } from "../store/results.ts";

const RUN_PHASES = ["setup", "main", "heal", "recovery", "final reads", "teardown", "checking", "report"] as const;
export type RunPhase = (typeof RUN_PHASES)[number];

export class RunPhases {
  private current: RunPhase = "setup";
  private mainStartedMs: number | undefined;
  private interruptionNoted: RunInterruption | undefined;
  private crashNoted: RunCrash | undefined;
  /** The workload ran to its end (not cut by a stop request or a crash). */
  historyComplete = false;
  private readonly onAbort = () => this.noteInterruption();

  constructor(
    private readonly plannedS: number,
    private readonly log: (line: string) => void,
    private readonly onPhase?: (phase: RunPhase) => void,
    private readonly signal?: AbortSignal,
  ) {
    log("phase setup");
    onPhase?.("setup");
    if (signal?.aborted) this.noteInterruption();
    else signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  get phase(): RunPhase {
    return this.current;
  }

  /** A stop has been requested. */
  get stopped(): boolean {
    return this.interruptionNoted !== undefined;
  }

  get interruption(): RunInterruption | undefined {
    return this.interruptionNoted;
  }

  get crash(): RunCrash | undefined {
    return this.crashNoted;
  }

  /** Moves to `phase` if it lies ahead; a phase heard again, or one already passed, is ignored. */
  enter(phase: RunPhase): void {
    if (RUN_PHASES.indexOf(phase) <= RUN_PHASES.indexOf(this.current)) return;
    this.current = phase;
    if (phase === "main") this.mainStartedMs = Date.now();
    this.log(`phase ${phase}`);
    this.onPhase?.(phase);
  }

  /** Seconds since the main phase began; 0 before it. */
  elapsedS(): number {
    return this.mainStartedMs === undefined ? 0 : Math.round((Date.now() - this.mainStartedMs) / 100) / 10;
  }

  noteCrash(error: unknown): void {
    if (this.crashNoted) return;
    const message = error instanceof Error ? error.message : String(error);
    this.crashNoted = { phase: this.current, atS: this.elapsedS(), plannedS: this.plannedS, error: message.split("\n")[0], historyComplete: this.historyComplete };
    this.log(`crashed during ${this.current}: ${message}`);
  }

  /** Settles with `work`'s value, or with undefined as soon as a stop is requested (then a later
   *  failure of `work` is only logged: the run has moved on to tearing down). */
  async untilStopped<T>(what: string, work: Promise<T>): Promise<{ value: T } | undefined> {
    if (this.stopped) {
      work.catch((error: unknown) => this.log(`${what} (abandoned at the stop request) failed afterwards: ${(error as Error).message}`));
      return undefined;
    }
    let onStop: (() => void) | undefined;
    const stopped = new Promise<undefined>((resolve) => {
      onStop = () => resolve(undefined);
      this.signal?.addEventListener("abort", onStop, { once: true });
    });
    try {
      const outcome = await Promise.race([work.then((value) => ({ value })), stopped]);
      if (outcome === undefined) work.catch((error: unknown) => this.log(`${what} (abandoned at the stop request) failed afterwards: ${(error as Error).message}`));
      return outcome;
    } finally {
      if (onStop) this.signal?.removeEventListener("abort", onStop);
    }
  }

  dispose(): void {
    this.signal?.removeEventListener("abort", this.onAbort);
  }

  private noteInterruption(): void {
    if (this.interruptionNoted) return;
    const reason: unknown = this.signal?.reason;
    const signal = typeof reason === "string" ? reason : "abort";
    this.interruptionNoted = { signal, phase: this.current, atS: this.elapsedS(), plannedS: this.plannedS, historyComplete: this.historyComplete };
    this.log(`interrupted by ${signal} during ${this.current} at ${this.elapsedS().toFixed(1)} s of ${this.plannedS} s; stopping the workload, then closing the history, healing, tearing down, checking what was recorded`);
  }
}

/** `results` with the run's ending at the top, next to the verdict. A run whose history was cut
 *  short cannot be found valid: a clean check of part of a run becomes unknown, with the reason;
 *  an invalid one stays invalid (what was recorded happened). */
export function withEnding(results: CheckResult, phases: RunPhases, checkAbandoned: boolean): CheckResult {
  const interrupted = phases.interruption;
  const crashed = phases.crash;
  const first = interrupted ?? crashed;
  if (first === undefined) return results;
  const ending = { ...(interrupted ? { interrupted } : {}), ...(crashed ? { crashed } : {}) };
  const cut = checkAbandoned || !first.historyComplete;
  const { valid, unknownBecause, ...rest } = results;
  const reasons = Array.isArray(unknownBecause) ? (unknownBecause as string[]) : [];
  if (cut && valid === true) {
    return { valid: "unknown", ...ending, unknownBecause: [...reasons, describeRunEnding(ending) ?? "the run did not finish"], ...rest };
  }
  return { valid, ...ending, ...(unknownBecause !== undefined ? { unknownBecause } : {}), ...rest };
}
