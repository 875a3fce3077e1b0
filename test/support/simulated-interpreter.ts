// The real interpreter on virtual time, with simulated clients: a deterministic run of any
// generator in milliseconds of wall time. Tests use it to check generators and the interpreter;
// the same seed and responses always give the same history.

import type { Client } from "../../harness/interpreter/client.ts";
import { VirtualClock } from "../../harness/clock.ts";
import type { Generator } from "../../harness/generator/generator.ts";
import { interpret, type RunResult } from "../../harness/interpreter/interpreter.ts";
import type { Completion, Invocation, Op } from "../../harness/op.ts";
import { Rng } from "../../harness/rng.ts";

export interface SimulatedResponse {
  completion: Completion;
  /** Virtual time the op takes; Infinity never answers (the op can only time out). */
  latencyNs: number;
}

export interface SimulationOptions {
  generator: Generator;
  concurrency: number;
  /** Seeds the generators' rng; responses draw from a stream forked off it. Default 0. */
  seed?: number;
  /** Each client op's outcome and latency; default ok after 1 ms. Draw randomness from `rng` only. */
  respond?(op: Invocation, rng: Rng): SimulatedResponse;
  /** Gives the run a nemesis process: `true` answers ok after 1 ms, a function decides. */
  nemesis?: boolean | ((op: Invocation, rng: Rng) => SimulatedResponse);
  /** Replaces the simulated clients altogether (to test opening, closing, throwing). */
  openClient?(process: number, clock: VirtualClock): Promise<Client>;
  opTimeoutMs?: number;
  nemesisTimeoutMs?: number;
  abortDrainMs?: number;
  /** Aborts the run through its signal once virtual time reaches this. */
  abortAtNs?: number;
  /** Called with every recorded op, after it is added to the history. */
  onRecord?(op: Op): void;
}

export interface SimulationResult {
  history: Op[];
  run: RunResult;
  clock: VirtualClock;
}

const DEFAULT_RESPONSE: SimulatedResponse = { completion: { type: "ok" }, latencyNs: 1_000_000 };

export async function simulate(opts: SimulationOptions): Promise<SimulationResult> {
  const clock = new VirtualClock();
  const rng = new Rng(opts.seed ?? 0);
  const responseRng = rng.fork();
  const respond = opts.respond ?? (() => DEFAULT_RESPONSE);
  const history: Op[] = [];
  const abort = new AbortController();

  const answer = async (op: Invocation, signal: AbortSignal, decide: (op: Invocation, rng: Rng) => SimulatedResponse): Promise<Completion> => {
    const { completion, latencyNs } = decide(op, responseRng);
    // The signal is the process's, reused across its ops, so the listener must go when the op ends
    // (VirtualClock.sleepUntil would leave its own behind).
    await new Promise<void>((resolve) => {
      const onAbort = () => resolve();
      signal.addEventListener("abort", onAbort, { once: true });
      if (Number.isFinite(latencyNs)) {
        clock.sleepUntil(clock.nowNs() + latencyNs).then(() => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        });
      }
    });
    return completion;
  };
  const openClient =
    opts.openClient ??
    (async (): Promise<Client> => ({
      invoke: (op, signal) => answer(op, signal, respond),
      close: async () => {},
    }));
  const nemesisDecide = opts.nemesis === true ? () => DEFAULT_RESPONSE : opts.nemesis || undefined;

  let settled: { run: RunResult } | { error: unknown } | undefined;
  interpret({
    generator: opts.generator,
    clock,
    rng,
    concurrency: opts.concurrency,
    openClient: (process) => openClient(process, clock),
    nemesis: nemesisDecide && { invoke: (op, signal) => answer(op, signal, nemesisDecide) },
    record(op) {
      history.push(op);
      opts.onRecord?.(op);
    },
    opTimeoutMs: opts.opTimeoutMs ?? 1_000,
    nemesisTimeoutMs: opts.nemesisTimeoutMs,
    abortDrainMs: opts.abortDrainMs,
    signal: abort.signal,
  }).then(
    (run) => (settled = { run }),
    (error: unknown) => (settled = { error }),
  );

  for (;;) {
    await quiesce(() => history.length);
    if (settled !== undefined) break;
    const nextNs = clock.nextWakeNs();
    if (opts.abortAtNs !== undefined && !abort.signal.aborted && (nextNs === undefined || nextNs >= opts.abortAtNs)) {
      clock.advanceTo(Math.max(clock.nowNs(), opts.abortAtNs));
      abort.abort();
      continue;
    }
    if (nextNs === undefined) {
      throw new Error(`simulate: the run stalled at ${clock.nowNs()} ns with nothing scheduled on the clock (${history.length} ops recorded)`);
    }
    clock.advanceTo(nextNs);
  }
  if ("error" in settled) throw settled.error;
  return { history, run: settled.run, clock };
}

/** Lets everything runnable run: event-loop turns until two in a row record nothing. (The
 *  interpreter yields to the event loop only after dispatching, which records.) */
async function quiesce(progress: () => number): Promise<void> {
  let quietTurns = 0;
  while (quietTurns < 2) {
    const before = progress();
    await new Promise<void>((resolve) => setImmediate(resolve));
    quietTurns = progress() === before ? quietTurns + 1 : 0;
  }
}
