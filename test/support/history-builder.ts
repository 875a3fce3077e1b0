// Histories for checker tests. HistoryBuilder records one op per call, with the next index and a
// clock that moves 1 ms per op unless told otherwise, so hand-built tests read like the story they
// tell; simulate() drives a correct model under random concurrency for property tests.

import type { Op, Process } from "../../harness/op.ts";
import { NS_PER_MS } from "../../harness/clock.ts";
import { Rng } from "../../harness/rng.ts";
import type { Generator } from "../../harness/generator/generator.ts";

export interface OpExtras {
  node?: string;
  key?: string | number;
  error?: string;
  answered?: true;
}

export class HistoryBuilder {
  readonly ops: Op[] = [];
  private timeNs = 0;
  private readonly open = new Map<Process, Op>();

  constructor(private readonly stepNs = NS_PER_MS) {}

  /** When the last op was recorded. */
  get nowNs(): number {
    return this.timeNs;
  }

  /** Sets the clock; the next op is recorded at exactly `timeNs`. */
  at(timeNs: number): this {
    if (timeNs < this.timeNs) throw new Error(`HistoryBuilder time cannot go back: ${timeNs} < ${this.timeNs}`);
    this.timeNs = timeNs - this.stepNs;
    return this;
  }

  invoke(process: Process, f: string, value: unknown = null, extras: OpExtras = {}): Op {
    if (this.open.has(process)) throw new Error(`process ${process} already has an open op`);
    const op = this.record({ process, type: "invoke", f, value, ...extras });
    this.open.set(process, op);
    return op;
  }

  /** Completes the process's open op; the value defaults to the invocation's, as in the runner. */
  ok(process: Process, value?: unknown, extras: OpExtras = {}): Op {
    return this.complete("ok", process, value, extras);
  }

  fail(process: Process, value?: unknown, extras: OpExtras = {}): Op {
    return this.complete("fail", process, value, extras);
  }

  info(process: Process, value?: unknown, extras: OpExtras = {}): Op {
    return this.complete("info", process, value, extras);
  }

  /** invoke + ok back to back, for ops whose concurrency does not matter to the test. */
  call(process: Process, f: string, value: unknown, result?: unknown, extras: OpExtras = {}): { invoke: Op; completion: Op } {
    const invoke = this.invoke(process, f, value, extras);
    return { invoke, completion: this.ok(process, result, extras) };
  }

  private complete(type: "ok" | "fail" | "info", process: Process, value: unknown, extras: OpExtras): Op {
    const invoke = this.open.get(process);
    if (!invoke) throw new Error(`process ${process} has no open op to complete`);
    this.open.delete(process);
    return this.record({ process, type, f: invoke.f, value: value === undefined ? invoke.value : value, ...extras });
  }

  private record(fields: Omit<Op, "index" | "time">): Op {
    this.timeNs += this.stepNs;
    const op: Op = { index: this.ops.length, time: this.timeNs, ...fields };
    this.ops.push(op);
    return op;
  }
}

/** What a simulated system answers for one op at its linearization point. */
export interface SimulatedResult {
  type: "ok" | "fail";
  value?: unknown;
}

/** A correct (linearizable) object for property tests: each op takes effect atomically at one
 *  random moment between its invocation and its completion. */
export interface SimulatedSystem {
  apply(f: string, value: unknown, process: number): SimulatedResult;
}

export interface SimulationModel extends SimulatedSystem {
  /** What an idle process invokes next. */
  invocation(rng: Rng, process: number): { f: string; value: unknown };
}

export interface SimulationOptions {
  seed: number;
  /** Client processes running at once, or the ids of the live ones (to go on after an earlier run). */
  processes: number | readonly number[];
  /** Ops to invoke at most. */
  ops: number;
  /** Chance that an op ends info (timed out) instead of ok; it may or may not have taken effect. */
  infoFraction?: number;
  /** Chance that an op that has not taken effect ends fail (refused before doing anything). */
  failFraction?: number;
}

interface InFlight {
  f: string;
  value: unknown;
  result?: SimulatedResult;
}

type Planned = { kind: "op"; process: number; f: string; value: unknown; timeNs?: number } | { kind: "pending"; untilNs?: number } | { kind: "done" };

interface OpSource {
  next(rng: Rng, idle: readonly number[], all: readonly number[], nowNs: number): Planned;
  observe(op: Op, all: readonly number[], idle: readonly number[], nowNs: number): void;
}

/** Runs `model` under random concurrency and records the history in `builder`. A process whose op
 *  ends info is retired and replaced by a new one, as the runner does. Returns the live processes. */
export function simulate(builder: HistoryBuilder, model: SimulationModel, options: SimulationOptions): number[] {
  return run(builder, model, options, {
    next: (rng, idle) => {
      const process = rng.pick(idle);
      return { kind: "op", process, ...model.invocation(rng, process) };
    },
    observe: () => {},
  });
}

/** Runs a workload generator against `system` as the runner would: only free client processes
 *  get ops, every invoke and completion is fed back through update(), and an op planned for later
 *  is not taken while others are in flight (the generator is asked again after a completion).
 *  Stops when the generator is done or `options.ops` ops were invoked. */
export function drive(builder: HistoryBuilder, generator: Generator, system: SimulatedSystem, options: SimulationOptions): number[] {
  let current = generator;
  let rng: Rng | undefined;
  const context = (rngNow: Rng, idle: readonly number[], all: readonly number[], nowNs: number) => ({ timeNs: nowNs, freeProcesses: idle, allProcesses: all, rng: rngNow });
  return run(builder, system, options, {
    next(rngNow, idle, all, nowNs) {
      rng = rngNow;
      const result = current.op(context(rngNow, idle, all, nowNs));
      if (result.kind === "done") return result;
      if (result.kind === "pending") {
        current = result.next;
        return { kind: "pending", untilNs: result.untilNs };
      }
      const { process, f, value, timeNs } = result.op;
      if (typeof process !== "number" || !idle.includes(process)) throw new Error(`generator gave ${f} to process ${process}, which is not a free client`);
      // Not due yet: the interpreter drops `next` and asks again after a completion or at that time.
      if (timeNs > nowNs && idle.length < all.length) return { kind: "pending", untilNs: timeNs };
      current = result.next;
      return { kind: "op", process, f, value, timeNs };
    },
    observe(op, all, idle, nowNs) {
      if (rng) current = current.update(context(rng, idle, all, nowNs), op);
    },
  });
}

function run(builder: HistoryBuilder, system: SimulatedSystem, options: SimulationOptions, source: OpSource): number[] {
  const rng = new Rng(options.seed);
  const infoFraction = options.infoFraction ?? 0.05;
  const failFraction = options.failFraction ?? 0.05;
  let processes = typeof options.processes === "number" ? Array.from({ length: options.processes }, (_, i) => i) : [...options.processes];
  // A retired process is never reused, so new ids start above every id in the history so far.
  let nextProcess = builder.ops.reduce((highest, op) => (typeof op.process === "number" ? Math.max(highest, op.process) : highest), Math.max(-1, ...processes)) + 1;
  const inFlight = new Map<number, InFlight>();
  let invoked = 0;
  let exhausted = false;
  const idle = () => processes.filter((live) => !inFlight.has(live));
  const observe = (op: Op) => source.observe(op, processes, idle(), builder.nowNs);
  const retire = (process: number) => {
    processes = processes.map((live) => (live === process ? nextProcess++ : live));
  };
  for (;;) {
    if (invoked >= options.ops) exhausted = true;
    const free = idle();
    let pendingUntilNs: number | undefined;
    let pending = false;
    if (!exhausted && free.length > 0 && (inFlight.size === 0 || rng.bool(0.4))) {
      const planned = source.next(rng, free, processes, builder.nowNs);
      if (planned.kind === "done") exhausted = true;
      else if (planned.kind === "pending") {
        pending = true;
        pendingUntilNs = planned.untilNs;
      } else {
        if (planned.timeNs !== undefined && planned.timeNs > builder.nowNs) builder.at(planned.timeNs);
        observe(builder.invoke(planned.process, planned.f, planned.value));
        inFlight.set(planned.process, { f: planned.f, value: planned.value });
        invoked++;
        continue;
      }
    }
    if (inFlight.size === 0) {
      if (exhausted) return processes;
      // With nothing in flight every client is free and was asked, so the source is pending.
      if (!pending || pendingUntilNs === undefined) throw new Error("generator is pending with nothing in flight and no time to wake at: it would wait forever");
      builder.at(Math.max(pendingUntilNs, builder.nowNs + 1));
      continue;
    }
    const process = rng.pick([...inFlight.keys()]);
    const op = inFlight.get(process) as InFlight;
    if (!op.result) {
      if (rng.bool(failFraction)) {
        inFlight.delete(process);
        observe(builder.fail(process));
      } else if (rng.bool(infoFraction)) {
        if (rng.bool()) system.apply(op.f, op.value, process);
        inFlight.delete(process);
        retire(process);
        observe(builder.info(process));
      } else {
        op.result = system.apply(op.f, op.value, process);
      }
      continue;
    }
    inFlight.delete(process);
    if (rng.bool(infoFraction)) {
      retire(process);
      observe(builder.info(process));
    } else {
      observe(op.result.type === "ok" ? builder.ok(process, op.result.value) : builder.fail(process));
    }
  }
}
