// The worker pool (Jepsen's generator interpreter): asks the generator for ops, runs each on its
// process's client or on the nemesis, records every invoke and completion in order, and feeds
// them back to the generator. Each process runs one op at a time; a process whose op ends `info`
// (timeout, crash, unknown outcome) is retired and replaced, because its next op could otherwise
// be mistaken for a continuation of one that may still take effect.

import type { Client } from "./client.ts";
import { NS_PER_MS, type Clock } from "../clock.ts";
import type { GenContext, Generator, PlannedOp } from "../generator/generator.ts";
import { Alarm } from "./alarm.ts";
import { indexOfProcess, insertProcess, removeProcessAt } from "./process-list.ts";
import { isClientProcess, type Completion, type Invocation, type Op, type OpType, type Process } from "../op.ts";
import type { Rng } from "../rng.ts";

/** What the interpreter needs of a nemesis: run one fault op (the runner binds it to its context). */
export interface NemesisInvoker {
  invoke(op: Invocation, signal: AbortSignal): Promise<Completion>;
}

export interface RunOptions {
  generator: Generator;
  clock: Clock;
  /** The generators' randomness (GenContext.rng). */
  rng: Rng;
  /** Client processes 0..concurrency-1 run at once; a retired process p is replaced by p + concurrency. */
  concurrency: number;
  /** Opens the client of one process; called lazily before the process's first op, again after a
   *  failed open, and for every replacement process. The signal a client's invoke gets belongs to
   *  its process and is reused for all its ops (an AbortController costs microseconds): it aborts
   *  only at a timeout, after which the process is retired. A client must remove any listener it
   *  adds to it once its op is over. */
  openClient(process: number): Promise<Client>;
  /** The node a client process is bound to, recorded on its invocations: availability per
   *  partition side counts an op on the side of the client that issued it, wherever a redirect
   *  then took it (the completion's node says who answered). */
  homeNode?(process: number): string | undefined;
  /** Runs ops for process "nemesis"; without it the generators see no nemesis process. */
  nemesis?: NemesisInvoker;
  /** Receives every op, in order, with its index and time assigned. Throwing ends the run. */
  record(op: Op): void;
  /** A client op without a completion after this long is recorded `info` "timeout" and its
   *  process's signal aborted. */
  opTimeoutMs: number;
  /** The same for nemesis ops, which may restart nodes; default 120 000. */
  nemesisTimeoutMs?: number;
  /** Aborting stops new ops; ops in flight get `abortDrainMs` (default opTimeoutMs) to complete
   *  and are then recorded `info` "aborted". */
  signal?: AbortSignal;
  abortDrainMs?: number;
  /** Where to say things that go wrong outside any op (a client that fails to close). */
  log?(line: string): void;
}

export interface RunResult {
  opsInvoked: number;
  opsCompleted: number;
  ok: number;
  fail: number;
  info: number;
  /** Ops recorded `info` because they outlived their timeout. */
  timeouts: number;
  processesRetired: number;
  clientOpenFailures: number;
  /** The run was stopped by its signal before the generator was exhausted. */
  aborted: boolean;
  /** Clock time when the run ended, ns. */
  endNs: number;
}

const DEFAULT_NEMESIS_TIMEOUT_MS = 120_000;
/** Ops dispatched between yields to the event loop: with clients that answer at once, everything
 *  else runs as microtasks, and timers (history flushes, timeouts, abort) would never fire. */
const DISPATCHES_PER_YIELD = 256;

/** Runs `generator` to exhaustion (or until `signal` aborts) and waits for every op it started.
 *  Rejects only when the run itself cannot go on: bad options, a generator that breaks its
 *  contract, or `record` throwing. Client and nemesis failures are ops in the history. */
export async function interpret(opts: RunOptions): Promise<RunResult> {
  return new Interpreter(opts).run();
}

interface Flight {
  readonly process: Process;
  readonly invocation: Invocation;
  deadlineNs: number;
  /** "opening": waiting for the client to open; the op has not reached the system yet. */
  stage: "opening" | "invoking";
  settled: boolean;
  /** The deadline was brought forward by a run abort. */
  cutShort: boolean;
}

class Interpreter {
  private generator: Generator;
  private free: readonly Process[];
  private all: readonly Process[];
  private readonly clients = new Map<number, Client>();
  /** One per process, reused across its ops: a signal only ever aborts at a timeout, after which a
   *  client process is retired (and the nemesis gets a fresh one). */
  private readonly controllers = new Map<Process, AbortController>();
  private readonly inFlight = new Map<Process, Flight>();
  private readonly closing = new Set<Promise<void>>();
  /** Opens still under way; the run waits for them so it can close what they bring. */
  private readonly opening = new Set<Promise<unknown>>();
  private readonly deadlines: Alarm;
  private readonly loopAlarm: Alarm;
  private wakeLoop: (() => void) | undefined;
  private nextIndex = 0;
  private stopping = false;
  /** Set once run() has cleaned up; anything that completes later is ignored. */
  private finished = false;
  private fatal: unknown;
  private readonly result: RunResult = {
    opsInvoked: 0,
    opsCompleted: 0,
    ok: 0,
    fail: 0,
    info: 0,
    timeouts: 0,
    processesRetired: 0,
    clientOpenFailures: 0,
    aborted: false,
    endNs: 0,
  };

  constructor(private readonly opts: RunOptions) {
    if (!(Number.isInteger(opts.concurrency) && opts.concurrency >= 0)) {
      throw new Error(`interpret: concurrency must be a non-negative integer, got ${opts.concurrency}`);
    }
    if (!(opts.opTimeoutMs > 0)) throw new Error(`interpret: opTimeoutMs must be positive, got ${opts.opTimeoutMs}`);
    this.generator = opts.generator;
    const processes: Process[] = Array.from({ length: opts.concurrency }, (_, i) => i);
    if (opts.nemesis) processes.push("nemesis");
    this.free = processes;
    this.all = processes.slice();
    this.deadlines = new Alarm(opts.clock, () => this.expireOverdue());
    this.loopAlarm = new Alarm(opts.clock, () => this.wake());
  }

  async run(): Promise<RunResult> {
    const signal = this.opts.signal;
    const onAbort = () => this.abortRun();
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) this.abortRun();
    try {
      await this.generate();
      while (this.inFlight.size > 0 && this.fatal === undefined) await this.waitForEvent();
    } catch (err) {
      this.fatal ??= err;
    } finally {
      this.finished = true;
      signal?.removeEventListener("abort", onAbort);
      this.deadlines.dispose();
      this.loopAlarm.dispose();
      await this.closeAllClients();
    }
    if (this.fatal !== undefined) throw this.fatal;
    this.result.endNs = this.opts.clock.nowNs();
    return this.result;
  }

  private async generate(): Promise<void> {
    let sinceYield = 0;
    while (!this.stopping && this.fatal === undefined) {
      const ctx = this.context(this.opts.clock.nowNs());
      const result = this.generator.op(ctx);
      if (result.kind === "done") return;
      if (result.kind === "pending") {
        this.generator = result.next;
        if (result.untilNs === undefined && this.inFlight.size === 0) {
          throw new Error(
            `interpret: the generator is pending with no op in flight and no time to be asked again, so it would wait forever ` +
              `(free processes: [${this.free.join(", ")}], live: [${this.all.join(", ")}]). A generator that waits on time must ` +
              `return pending with untilNs; one that waits for a process must name a live one.`,
          );
        }
        await this.waitForEvent(result.untilNs);
        continue;
      }
      // An op due later is not taken: the same generator is asked again then, or sooner if a
      // completion changes what it would say.
      if (result.op.timeNs > ctx.timeNs) {
        await this.waitForEvent(result.op.timeNs);
        continue;
      }
      this.generator = result.next;
      this.dispatch(result.op, ctx.timeNs);
      if (++sinceYield >= DISPATCHES_PER_YIELD) {
        sinceYield = 0;
        await yieldToEventLoop();
      }
    }
  }

  private context(timeNs: number): GenContext {
    return { timeNs, freeProcesses: this.free, allProcesses: this.all, rng: this.opts.rng };
  }

  /** `nowNs` is the time the generator was asked at, which is also the invocation's time. */
  private dispatch(planned: PlannedOp, nowNs: number): void {
    const process = planned.process;
    const at = indexOfProcess(this.free, process);
    if (at < 0) {
      throw new Error(
        `interpret: the generator emitted ${planned.f} for process ${process}, which is not free ` +
          `(free: [${this.free.join(", ")}]); a generator must pick its process from ctx.freeProcesses`,
      );
    }
    this.free = removeProcessAt(this.free, at);
    const invocation: Invocation = { process, f: planned.f, value: planned.value };
    if (planned.key !== undefined) invocation.key = planned.key;
    this.result.opsInvoked++;
    this.record(process, "invoke", invocation, invocation.value, nowNs, isClientProcess(process) ? this.opts.homeNode?.(process) : undefined);
    if (this.fatal !== undefined) return;
    const timeoutMs = process === "nemesis" ? (this.opts.nemesisTimeoutMs ?? DEFAULT_NEMESIS_TIMEOUT_MS) : this.opts.opTimeoutMs;
    const flight: Flight = { process, invocation, deadlineNs: nowNs + timeoutMs * NS_PER_MS, stage: "invoking", settled: false, cutShort: false };
    this.inFlight.set(process, flight);
    this.deadlines.setBy(flight.deadlineNs);

    if (!isClientProcess(process)) {
      const nemesis = this.opts.nemesis;
      if (nemesis === undefined) throw new Error("interpret: a nemesis op was dispatched but no nemesis was given");
      this.call(flight, nemesis);
      return;
    }
    const client = this.clients.get(process);
    if (client !== undefined) this.call(flight, client);
    else this.openThenCall(flight, process);
  }

  /** Opening happens inside the op, as in Jepsen: if it fails the op is recorded `fail` — it never
   *  reached the system — and the process keeps its id and tries again with its next op. */
  private openThenCall(flight: Flight, process: number): void {
    flight.stage = "opening";
    let opening: Promise<Client>;
    try {
      opening = Promise.resolve(this.opts.openClient(process));
    } catch (err) {
      opening = Promise.reject(err);
    }
    const settled = opening.then(
      (client) => {
        if (flight.settled || this.finished) {
          // The op gave up waiting for this client; nobody will use it.
          this.closeClient(client, process);
          return;
        }
        this.clients.set(process, client);
        flight.stage = "invoking";
        this.call(flight, client);
      },
      (err) => {
        if (flight.settled) return;
        this.result.clientOpenFailures++;
        this.complete(flight, { type: "fail", error: `no client: opening the client for process ${process} failed: ${describe(err)}` });
      },
    );
    this.opening.add(settled);
    settled.finally(() => this.opening.delete(settled));
  }

  private call(flight: Flight, target: Client | NemesisInvoker): void {
    let pending: Promise<Completion>;
    try {
      pending = Promise.resolve(target.invoke(flight.invocation, this.signalOf(flight.process)));
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (completion) => this.complete(flight, validCompletion(completion)),
      // A client that throws does not know whether the op took effect.
      (err) => this.complete(flight, { type: "info", error: describe(err) }),
    );
  }

  private complete(flight: Flight, completion: Completion): void {
    if (flight.settled || this.finished) return;
    flight.settled = true;
    const { process, invocation } = flight;
    this.inFlight.delete(process);
    // The process is freed (or replaced) before the generator hears of the completion, so the
    // context it sees already shows it idle.
    if (completion.type === "info" && isClientProcess(process)) this.retire(process);
    else this.free = insertProcess(this.free, process);
    this.result.opsCompleted++;
    this.result[completion.type]++;
    const value = completion.value !== undefined ? completion.value : invocation.value;
    const error = completion.error === undefined || typeof completion.error === "string" ? completion.error : safeJson(completion.error);
    this.record(process, completion.type, invocation, value, this.opts.clock.nowNs(), completion.node, error, completion.answered);
    this.wake();
  }

  private retire(process: number): void {
    const client = this.clients.get(process);
    this.clients.delete(process);
    this.controllers.delete(process);
    if (client !== undefined) this.closeClient(client, process);
    const replacement = process + this.opts.concurrency;
    this.all = insertProcess(removeProcessAt(this.all, indexOfProcess(this.all, process)), replacement);
    this.free = insertProcess(this.free, replacement);
    this.result.processesRetired++;
  }

  private record(process: Process, type: OpType, invocation: Invocation, value: unknown, timeNs: number, node?: string, error?: string, answered?: boolean): void {
    const op: Op = { index: this.nextIndex++, time: timeNs, process, type, f: invocation.f, value };
    if (invocation.key !== undefined) op.key = invocation.key;
    if (node !== undefined) op.node = node;
    if (error !== undefined) op.error = error;
    // Only a definite failure can be an answer; on ok or info the word would mean nothing.
    if (answered === true && type === "fail") op.answered = true;
    try {
      this.opts.record(op);
      this.generator = this.generator.update(this.context(op.time), op);
    } catch (err) {
      // A history that cannot be written, or a generator that breaks, ends the run: going on
      // would produce ops nobody can check.
      this.fail(err);
    }
  }

  private signalOf(process: Process): AbortSignal {
    let controller = this.controllers.get(process);
    if (controller === undefined) {
      controller = new AbortController();
      this.controllers.set(process, controller);
    }
    return controller.signal;
  }

  private expireOverdue(): void {
    const nowNs = this.opts.clock.nowNs();
    const overdue: Flight[] = [];
    let earliestNs: number | undefined;
    for (const flight of this.inFlight.values()) {
      if (flight.deadlineNs <= nowNs) overdue.push(flight);
      else if (earliestNs === undefined || flight.deadlineNs < earliestNs) earliestNs = flight.deadlineNs;
    }
    for (const flight of overdue) this.expire(flight);
    if (earliestNs !== undefined) this.deadlines.setBy(earliestNs);
  }

  private expire(flight: Flight): void {
    const process = flight.process;
    if (flight.stage === "opening") {
      this.result.clientOpenFailures++;
      this.complete(flight, { type: "fail", error: `no client: opening the client for process ${process} did not finish before the op's deadline` });
      return;
    }
    this.controllers.get(process)?.abort();
    this.controllers.delete(process);
    if (!flight.cutShort) this.result.timeouts++;
    this.complete(flight, { type: "info", error: flight.cutShort ? "aborted" : "timeout" });
  }

  private abortRun(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.result.aborted = true;
    const cutNs = this.opts.clock.nowNs() + (this.opts.abortDrainMs ?? this.opts.opTimeoutMs) * NS_PER_MS;
    for (const flight of this.inFlight.values()) {
      if (cutNs < flight.deadlineNs) {
        flight.deadlineNs = cutNs;
        flight.cutShort = true;
        this.deadlines.setBy(cutNs);
      }
    }
    this.wake();
  }

  private fail(err: unknown): void {
    this.fatal ??= err;
    this.stopping = true;
    this.wake();
  }

  /** Resolves at the next completion, at `untilNs`, or when the run is stopped. */
  private waitForEvent(untilNs?: number): Promise<void> {
    if (this.stopping && this.inFlight.size === 0) return Promise.resolve();
    if (untilNs !== undefined && untilNs <= this.opts.clock.nowNs()) return yieldToEventLoop();
    return new Promise((resolve) => {
      this.wakeLoop = resolve;
      if (untilNs !== undefined) this.loopAlarm.setBy(untilNs);
    });
  }

  private wake(): void {
    const resolve = this.wakeLoop;
    this.wakeLoop = undefined;
    resolve?.();
  }

  private closeClient(client: Client, process: number): void {
    const closing = Promise.resolve()
      .then(() => client.close())
      .catch((err) => this.opts.log?.(`closing the client of process ${process} failed: ${describe(err)}`))
      .finally(() => this.closing.delete(closing));
    this.closing.add(closing);
  }

  /** Closes every open client and waits — at most one op timeout — for all closes (retired
   *  processes' included) and for opens still under way, whose clients are closed as they arrive:
   *  a run leaves no connection behind. */
  private async closeAllClients(): Promise<void> {
    for (const [process, client] of this.clients) this.closeClient(client, process);
    this.clients.clear();
    if (this.closing.size === 0 && this.opening.size === 0) return;
    const giveUp = new AbortController();
    let timedOut = false;
    const timeout = this.opts.clock.sleepUntil(this.opts.clock.nowNs() + this.opts.opTimeoutMs * NS_PER_MS, giveUp.signal).then(() => {
      timedOut = true;
    });
    // An open that lands adds a close, so the sets are looked at again until both are empty.
    while (!timedOut && (this.closing.size > 0 || this.opening.size > 0)) {
      await Promise.race([Promise.all([...this.closing, ...this.opening]), timeout]);
    }
    giveUp.abort();
    const left = this.closing.size + this.opening.size;
    if (left > 0) this.opts.log?.(`${left} client(s) did not finish opening or closing within ${this.opts.opTimeoutMs} ms after the run; left behind`);
  }
}

function validCompletion(completion: unknown): Completion {
  const type = (completion as { type?: unknown } | null | undefined)?.type;
  if (type === "ok" || type === "fail" || type === "info") return completion as Completion;
  return { type: "info", error: `the client returned ${safeJson(completion)} instead of a completion {type: "ok" | "fail" | "info", …}` };
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return typeof err === "string" ? err : safeJson(err);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
