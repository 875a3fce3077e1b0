// The nemesis schedule: healthy for a while, start a fault chosen at random, let it act for a
// while, stop it, and again — Jepsen's usual (cycle [sleep start sleep stop]) with jitter and a
// choice among fault kinds. Waits count from the completion of the previous nemesis op, so a slow
// fault (a kill and restart) never eats into the next interval.

import type { Op } from "../op.ts";
import { Rng } from "../rng.ts";
import type { GenContext, GenResult, Generator } from "./generator.ts";
import type { OpSpec } from "./context.ts";

/** One kind of fault: the op that starts it and, unless it undoes itself, the op that stops it. */
export interface FaultOps {
  start: OpSpec;
  stop?: OpSpec;
}

export interface FaultScheduleOptions {
  faults: readonly FaultOps[];
  /** Healthy time before each fault starts, the first one included. */
  intervalNs: number;
  /** How long a fault stays before its stop op; defaults to intervalNs. */
  faultDurationNs?: number;
  /** Healthy time before the first fault only (jittered like every wait); defaults to intervalNs.
   *  0 starts a fault as soon as the schedule is first asked. */
  firstWaitNs?: number;
  /** One fault, then done: the schedule ends once a start that did not fail has been stopped (or,
   *  for a fault without a stop op, has completed). A start that failed is tried again after
   *  intervalNs, as always, so the one fault really happens if the system lets it. */
  once?: boolean;
  /** Every wait is scaled by a uniform factor in [1 − jitter, 1 + jitter]; 0 ≤ jitter ≤ 1, default 0. */
  jitter?: number;
  /** The schedule's own randomness: one seed is drawn from it here, so the fault sequence is the
   *  same whatever the clients drew. Without it, choices come from ctx.rng like any generator's. */
  rng?: Rng;
}

interface Settings {
  faults: readonly FaultOps[];
  intervalNs: number;
  faultDurationNs: number;
  firstWaitNs: number;
  once: boolean;
  jitter: number;
  seed: number | undefined;
}

type Stage =
  /** Next op `emit`s at dueNs (undefined before the first ask). */
  | { kind: "waiting"; emit: "start" | "stop"; faultIndex: number; dueNs: number | undefined }
  /** Op `sent` is in flight; `factor` scales the wait that follows its completion. */
  | { kind: "running"; sent: "start" | "stop"; faultIndex: number; factor: number }
  /** A schedule of one fault, after it. */
  | { kind: "finished" };

class FaultSchedule implements Generator {
  constructor(
    private readonly settings: Settings,
    private readonly stage: Stage,
    /** Random draws made so far; with a seed, draw k comes from its own stream. */
    private readonly draws: number,
  ) {}

  op(ctx: GenContext): GenResult {
    const nemesisLive = ctx.allProcesses.length > 0 && ctx.allProcesses[ctx.allProcesses.length - 1] === "nemesis";
    if (!nemesisLive) return { kind: "done" };
    const stage = this.stage;
    if (stage.kind === "finished") return { kind: "done" };
    if (stage.kind === "running") return { kind: "pending", next: this };

    let draws = this.draws;
    let dueNs = stage.dueNs;
    if (dueNs === undefined) dueNs = ctx.timeNs + Math.round(this.settings.firstWaitNs * this.factor(this.rng(ctx, draws++)));
    const waiting = dueNs === stage.dueNs ? this : new FaultSchedule(this.settings, { ...stage, dueNs }, draws);
    if (ctx.timeNs < dueNs) return { kind: "pending", next: waiting, untilNs: dueNs };
    const nemesisFree = ctx.freeProcesses.length > 0 && ctx.freeProcesses[ctx.freeProcesses.length - 1] === "nemesis";
    if (!nemesisFree) return { kind: "pending", next: waiting };

    const rng = this.rng(ctx, draws++);
    const faultIndex = stage.emit === "start" ? rng.int(this.settings.faults.length) : stage.faultIndex;
    const fault = this.settings.faults[faultIndex];
    const spec = stage.emit === "start" ? fault.start : fault.stop;
    if (spec === undefined) throw new Error(`faultSchedule: a stop was scheduled for fault ${faultIndex} (${fault.start.f}), which has no stop op`);
    const running: Stage = { kind: "running", sent: stage.emit, faultIndex, factor: this.factor(rng) };
    return {
      kind: "op",
      op: { ...spec, process: "nemesis", timeNs: ctx.timeNs },
      next: new FaultSchedule(this.settings, running, draws),
    };
  }

  update(_ctx: GenContext, event: Op): Generator {
    const stage = this.stage;
    if (stage.kind !== "running" || event.process !== "nemesis" || event.type === "invoke") return this;
    const fault = this.settings.faults[stage.faultIndex];
    if (event.f !== (stage.sent === "start" ? fault.start.f : fault.stop?.f)) return this;
    // A start that definitely failed left nothing to stop; one that is unknown (info) may have
    // taken effect, so it is stopped like a successful one.
    const stopNext = stage.sent === "start" && fault.stop !== undefined && event.type !== "fail";
    if (this.settings.once && !stopNext && (stage.sent === "stop" || event.type !== "fail")) return new FaultSchedule(this.settings, { kind: "finished" }, this.draws);
    const waitNs = Math.round((stopNext ? this.settings.faultDurationNs : this.settings.intervalNs) * stage.factor);
    const waiting: Stage = { kind: "waiting", emit: stopNext ? "stop" : "start", faultIndex: stage.faultIndex, dueNs: event.time + waitNs };
    return new FaultSchedule(this.settings, waiting, this.draws);
  }

  private rng(ctx: GenContext, draw: number): Rng {
    const seed = this.settings.seed;
    return seed === undefined ? ctx.rng : new Rng((seed ^ Math.imul(draw + 1, 0x9e3779b1)) >>> 0);
  }

  private factor(rng: Rng): number {
    return 1 + this.settings.jitter * (2 * rng.float() - 1);
  }
}

/** Alternates start-fault and stop-fault ops for the nemesis, forever (bound it with timeLimit,
 *  and heal afterwards: a fault may still be active when the schedule is cut off). Done at once in
 *  a run without a nemesis. */
export function faultSchedule(opts: FaultScheduleOptions): Generator {
  const { faults, intervalNs, faultDurationNs = intervalNs, firstWaitNs = intervalNs, once = false, jitter = 0 } = opts;
  if (faults.length === 0) throw new Error("faultSchedule() needs at least one fault kind in `faults`; got none");
  if (!(intervalNs >= 0)) throw new Error(`faultSchedule() needs a non-negative intervalNs, got ${intervalNs}`);
  if (!(faultDurationNs >= 0)) throw new Error(`faultSchedule() needs a non-negative faultDurationNs, got ${faultDurationNs}`);
  if (!(firstWaitNs >= 0)) throw new Error(`faultSchedule() needs a non-negative firstWaitNs, got ${firstWaitNs}`);
  if (!(jitter >= 0 && jitter <= 1)) throw new Error(`faultSchedule() needs a jitter between 0 and 1, got ${jitter}`);
  const settings: Settings = { faults: faults.slice(), intervalNs, faultDurationNs, firstWaitNs, once, jitter, seed: opts.rng?.nextUint32() };
  return new FaultSchedule(settings, { kind: "waiting", emit: "start", faultIndex: 0, dueNs: undefined }, 0);
}
