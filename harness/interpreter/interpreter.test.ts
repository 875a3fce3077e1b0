import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Client } from "./client.ts";
import { RealClock, type VirtualClock } from "../clock.ts";
import type { GenContext, GenResult, Generator } from "../generator/generator.ts";
import { any } from "../generator/any.ts";
import { limit } from "../generator/limit.ts";
import { fromFn, once } from "../generator/lift.ts";
import { clients, nemesis } from "../generator/routing.ts";
import { phases } from "../generator/sequence.ts";
import { flaky, invokes, tagged } from "../../test/support/generator-context.ts";
import { simulate } from "../../test/support/simulated-interpreter.ts";
import { interpret } from "./interpreter.ts";
import type { Completion, Invocation, Op } from "../op.ts";
import { Rng } from "../rng.ts";

const MS = 1_000_000;

/** Clients whose answers come from `answer`, remembering which processes opened and closed. */
function scripted(answer: (op: Invocation, clock: VirtualClock, signal: AbortSignal) => Promise<Completion>) {
  const opened: number[] = [];
  const closed: number[] = [];
  const openClient = async (process: number, clock: VirtualClock): Promise<Client> => {
    opened.push(process);
    return {
      invoke: (op, signal) => answer(op, clock, signal),
      close: async () => {
        closed.push(process);
      },
    };
  };
  return { opened, closed, openClient };
}

const after = (clock: VirtualClock, ns: number, completion: Completion) => clock.sleepUntil(clock.nowNs() + ns).then(() => completion);
const never = () => new Promise<Completion>(() => {});

/** Passes everything through and remembers every event the generator is updated with. */
class Spy implements Generator {
  constructor(
    private readonly inner: Generator,
    readonly events: Op[],
  ) {}

  op(ctx: GenContext): GenResult {
    const result = this.inner.op(ctx);
    return result.kind === "done" ? result : { ...result, next: new Spy(result.next, this.events) };
  }

  update(ctx: GenContext, event: Op): Generator {
    this.events.push(event);
    return new Spy(this.inner.update(ctx, event), this.events);
  }
}

describe("recording", () => {
  it("records every op in order: dense indexes, monotonic times, one completion per invoke on its process", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 8 }), async (seed, concurrency) => {
        const { history, run } = await simulate({
          generator: any(clients(limit(80, tagged("w"))), nemesis(limit(5, tagged("start-partition")))),
          concurrency,
          seed,
          nemesis: flaky(4 * MS, 0.2),
          respond: flaky(3 * MS, 0.2, 0.2),
          opTimeoutMs: 2,
        });
        expect(history.map((op) => op.index)).toEqual(history.map((_, i) => i));
        for (let i = 1; i < history.length; i++) expect(history[i].time).toBeGreaterThanOrEqual(history[i - 1].time);
        const open = new Map<unknown, Op>();
        for (const op of history) {
          if (op.type === "invoke") {
            expect(open.has(op.process)).toBe(false);
            open.set(op.process, op);
          } else {
            const invoke = open.get(op.process);
            expect(invoke?.f).toBe(op.f);
            open.delete(op.process);
          }
        }
        expect(open.size).toBe(0);
        expect(run.opsInvoked).toBe(85);
        expect(run.opsCompleted).toBe(85);
        expect(run.ok + run.fail + run.info).toBe(85);
      }),
      { numRuns: 20 },
    );
  });

  it("feeds the generator every op it records, in the same order", async () => {
    const events: Op[] = [];
    const { history } = await simulate({ generator: new Spy(limit(30, tagged("w")), events), concurrency: 3, seed: 2, respond: flaky(2 * MS, 0.2) });
    expect(events).toEqual(history);
  });

  it("keeps the invocation's value unless the completion brings one, and records node and error", async () => {
    const { openClient } = scripted(async (op) =>
      op.f === "read" ? { type: "ok", value: 42, node: "n2" } : { type: "fail", error: "cas mismatch" },
    );
    const generator = limit(2, fromFn((ctx) => (ctx.rng.int(2) === 0 ? { f: "read", value: null } : { f: "cas", value: [1, 2] })));
    const { history } = await simulate({ generator: clients(generator), concurrency: 1, openClient, seed: 5 });
    for (const op of history.filter((o) => o.type !== "invoke")) {
      if (op.f === "read") expect(op).toMatchObject({ type: "ok", value: 42, node: "n2" });
      else expect(op).toMatchObject({ type: "fail", value: [1, 2], error: "cas mismatch" });
    }
  });
});

describe("timeouts and retirement", () => {
  it("an op without an answer by its timeout is recorded info 'timeout' and its signal aborted", async () => {
    const signals: AbortSignal[] = [];
    const { openClient } = scripted((_op, _clock, signal) => {
      signals.push(signal);
      return never();
    });
    const { history, run } = await simulate({ generator: limit(1, tagged("w")), concurrency: 1, openClient, opTimeoutMs: 250 });
    expect(history[1]).toMatchObject({ process: 0, type: "info", error: "timeout", time: 250 * MS });
    expect(signals[0].aborted).toBe(true);
    expect(run.timeouts).toBe(1);
  });

  it("a process whose op ends info is retired: closed, replaced by process + concurrency with a fresh client", async () => {
    const { openClient, opened, closed } = scripted(async (op) => (op.value === "crash" ? { type: "info", error: "connection reset" } : { type: "ok" }));
    const generator = phases(once({ f: "write", value: "crash", process: 1 }), clients(limit(6, fromFn(() => ({ f: "write", value: "x" })))));
    const { history, run } = await simulate({ generator, concurrency: 3, openClient });
    const crash = history.find((op) => op.type === "info");
    expect(crash).toMatchObject({ process: 1, error: "connection reset" });
    const later = history.filter((op) => op.index > crash!.index);
    expect(later.some((op) => op.process === 1)).toBe(false);
    expect(opened).toContain(4);
    expect(closed).toContain(1);
    expect(run.processesRetired).toBe(1);
    // Every client opened is closed by the end of the run.
    expect([...closed].sort()).toEqual([...opened].sort());
  });

  it("a client that throws (or rejects) gives info with its message, and the run goes on", async () => {
    let calls = 0;
    const { openClient } = scripted((op) => {
      calls++;
      if (calls === 1) throw new Error("socket hang up");
      if (calls === 2) return Promise.reject(new TypeError("cannot read properties of undefined"));
      return Promise.resolve({ type: "ok" });
    });
    const { history, run } = await simulate({ generator: limit(4, tagged("w")), concurrency: 1, openClient });
    expect(history.filter((op) => op.type === "info").map((op) => [op.process, op.error])).toEqual([
      [0, "socket hang up"],
      [1, "cannot read properties of undefined"],
    ]);
    expect(run.ok).toBe(2);
  });

  it("a completion that is not one is recorded info saying what came back", async () => {
    const { openClient } = scripted(async () => ({ type: "success" }) as unknown as Completion);
    const { history } = await simulate({ generator: limit(1, tagged("w")), concurrency: 1, openClient });
    expect(history[1]).toMatchObject({ type: "info" });
    expect(history[1].error).toMatch(/returned \{"type":"success"\} instead of a completion/);
  });

  it("fail keeps the process and its client", async () => {
    const { openClient, opened } = scripted(async () => ({ type: "fail", error: "not leader" }));
    const { history, run } = await simulate({ generator: limit(5, tagged("w")), concurrency: 2, openClient });
    expect(new Set(history.map((op) => op.process))).toEqual(new Set([0, 1]));
    expect(opened.sort()).toEqual([0, 1]);
    expect(run.processesRetired).toBe(0);
  });
});

describe("opening clients", () => {
  it("a client that fails to open fails the op (it never ran) and is opened again for the next one", async () => {
    let attempts = 0;
    const openClient = async (): Promise<Client> => {
      if (++attempts === 1) throw new Error("ECONNREFUSED 127.0.0.1:7001");
      return { invoke: async () => ({ type: "ok" }), close: async () => {} };
    };
    const { history, run } = await simulate({ generator: limit(3, tagged("w")), concurrency: 1, openClient });
    expect(history[1]).toMatchObject({ process: 0, type: "fail" });
    expect(history[1].error).toMatch(/^no client: .*ECONNREFUSED 127\.0\.0\.1:7001/);
    expect(history.filter((op) => op.type === "ok")).toHaveLength(2);
    expect(new Set(history.map((op) => op.process))).toEqual(new Set([0]));
    expect(run.clientOpenFailures).toBe(1);
  });

  it("an open that outlives the op's deadline fails the op, and the late client is closed", async () => {
    const closed: number[] = [];
    let attempts = 0;
    const openClient = async (process: number, clock: VirtualClock): Promise<Client> => {
      const client: Client = { invoke: async () => ({ type: "ok" }), close: async () => void closed.push(attempts) };
      // Lands after the op has failed, but before the run's wait for stragglers (one op timeout) ends.
      if (++attempts === 1) await clock.sleepUntil(clock.nowNs() + 150 * MS);
      return client;
    };
    const { history } = await simulate({ generator: limit(1, tagged("w")), concurrency: 1, openClient, opTimeoutMs: 100 });
    expect(history[1]).toMatchObject({ type: "fail", time: 100 * MS });
    expect(history[1].error).toMatch(/^no client: .*did not finish before the op's deadline/);
    expect(closed).toEqual([1]);
  });
});

describe("stopping early", () => {
  it("an abort stops new ops and records ops still in flight after the drain period as info 'aborted'", async () => {
    const { openClient } = scripted((op, clock) => (op.process === 0 ? never() : after(clock, MS, { type: "ok" })));
    const { history, run } = await simulate({
      generator: tagged("w"),
      concurrency: 2,
      openClient,
      opTimeoutMs: 10_000,
      abortDrainMs: 30,
      abortAtNs: 50 * MS,
    });
    expect(run.aborted).toBe(true);
    expect(invokes(history).every((op) => op.time <= 50 * MS)).toBe(true);
    const last = history[history.length - 1];
    expect(last).toMatchObject({ process: 0, type: "info", error: "aborted", time: 80 * MS });
    expect(run.timeouts).toBe(0);
  });

  it("ops that complete during the drain are recorded as they are", async () => {
    const { openClient } = scripted((_op, clock) => after(clock, 20 * MS, { type: "ok" }));
    const { history } = await simulate({ generator: tagged("w"), concurrency: 3, openClient, abortAtNs: 30 * MS, abortDrainMs: 100 });
    expect(history.filter((op) => op.type === "info")).toEqual([]);
    expect(history.slice(-3).map((op) => [op.type, op.time])).toEqual([
      ["ok", 40 * MS],
      ["ok", 40 * MS],
      ["ok", 40 * MS],
    ]);
  });
});

describe("the nemesis", () => {
  it("runs as process 'nemesis' with its own timeout, and is never retired", async () => {
    const generator = nemesis(limit(3, fromFn(() => ({ f: "kill", value: "n1" }))));
    const slowThenOk = (() => {
      let call = 0;
      return () => ({ completion: { type: "ok" as const }, latencyNs: ++call === 1 ? Infinity : MS });
    })();
    const { history, run } = await simulate({ generator, concurrency: 2, nemesis: slowThenOk, nemesisTimeoutMs: 5_000 });
    expect(history.every((op) => op.process === "nemesis")).toBe(true);
    expect(history[1]).toMatchObject({ type: "info", error: "timeout", time: 5_000 * MS });
    expect(history.filter((op) => op.type === "ok")).toHaveLength(2);
    expect(run.processesRetired).toBe(0);
  });
});

describe("generator mistakes end the run with a reason", () => {
  it("a generator that waits for nothing that can ever happen", async () => {
    const waitsForever: Generator = { op: () => ({ kind: "pending", next: waitsForever }), update: () => waitsForever };
    await expect(simulate({ generator: waitsForever, concurrency: 1 })).rejects.toThrow(/pending with no op in flight and no time to be asked again/);
  });

  it("an op for a process that is not free", async () => {
    await expect(simulate({ generator: once({ f: "w", value: null, process: 9 }), concurrency: 1 })).rejects.toThrow(/would wait forever/);
    const rogue: Generator = { op: (ctx) => ({ kind: "op", op: { process: 7, f: "w", value: null, timeNs: ctx.timeNs }, next: rogue }), update: () => rogue };
    await expect(simulate({ generator: rogue, concurrency: 1 })).rejects.toThrow(/emitted w for process 7, which is not free/);
  });

  it("a history that cannot be recorded stops the run, and the clients are still closed", async () => {
    let recorded = 0;
    const closedClients: number[] = [];
    const run = interpret({
      generator: limit(100, tagged("w")),
      clock: new RealClock(),
      rng: new Rng(1),
      concurrency: 2,
      openClient: async (process) => ({ invoke: async () => ({ type: "ok" }), close: async () => void closedClients.push(process) }),
      record: () => {
        if (++recorded === 5) throw new Error("ENOSPC: no space left on device");
      },
      opTimeoutMs: 1_000,
    });
    await expect(run).rejects.toThrow(/ENOSPC/);
    expect(closedClients.sort()).toEqual([0, 1]);
  });
});

describe("on the real clock", () => {
  it("runs instant clients flat out and times out a hung one", async () => {
    const history: Op[] = [];
    const hung = new Set<number>();
    const result = await interpret({
      generator: limit(3_000, tagged("w")),
      clock: new RealClock(),
      rng: new Rng(1),
      concurrency: 4,
      openClient: async (process) => ({
        // Process 3's first op never answers.
        invoke: () => (process === 3 && !hung.has(process) && hung.add(process) ? never() : Promise.resolve({ type: "ok" })),
        close: async () => {},
      }),
      record: (op) => history.push(op),
      opTimeoutMs: 50,
    });
    expect(result.opsInvoked).toBe(3_000);
    expect(history).toHaveLength(6_000);
    expect(history.find((op) => op.type === "info")).toMatchObject({ process: 3, error: "timeout" });
    expect(result.processesRetired).toBe(1);
  });
});

describe("home nodes", () => {
  it("records each client invocation with its process's home node, and leaves the completion's node to the client", async () => {
    const history: Op[] = [];
    await interpret({
      generator: limit(20, tagged("w")),
      clock: new RealClock(),
      rng: new Rng(1),
      concurrency: 3,
      openClient: async () => ({ invoke: async () => ({ type: "ok", node: "leader" }), close: async () => {} }),
      homeNode: (process) => `n${(process % 3) + 1}`,
      record: (op) => history.push(op),
      opTimeoutMs: 1_000,
    });
    const invokes = history.filter((op) => op.type === "invoke");
    expect(invokes).toHaveLength(20);
    for (const op of invokes) expect(op.node).toBe(`n${((op.process as number) % 3) + 1}`);
    expect(history.filter((op) => op.type === "ok").every((op) => op.node === "leader")).toBe(true);
  });
});
