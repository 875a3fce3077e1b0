import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { simulate, type SimulatedResponse } from "../../test/support/simulated-interpreter.ts";
import type { Op } from "../op.ts";
import { Rng } from "../rng.ts";
import { any } from "./any.ts";
import { faultSchedule, type FaultOps } from "./fault-schedule.ts";
import { limit, timeLimit } from "./limit.ts";
import { clients, nemesis } from "./routing.ts";
import { stagger } from "./spacing.ts";
import { flaky, invokes, tagged } from "../../test/support/generator-context.ts";

const MS = 1_000_000;
const partition: FaultOps = { start: { f: "start-partition", value: "halves" }, stop: { f: "stop-partition", value: null } };
const kill: FaultOps = { start: { f: "kill", value: "leader" }, stop: { f: "start", value: null } };
const clockBump: FaultOps = { start: { f: "bump-clock", value: 100 } };

const nemesisOps = (history: readonly Op[]) => history.filter((op) => op.process === "nemesis");

/** Pairs each nemesis invoke with its completion. */
function nemesisCalls(history: readonly Op[]): { invoke: Op; done: Op }[] {
  const ops = nemesisOps(history);
  const calls: { invoke: Op; done: Op }[] = [];
  for (let i = 0; i + 1 < ops.length; i += 2) {
    expect(ops[i].type).toBe("invoke");
    expect(ops[i + 1].type).not.toBe("invoke");
    calls.push({ invoke: ops[i], done: ops[i + 1] });
  }
  return calls;
}

describe("faultSchedule", () => {
  it("alternates start and stop of faults chosen among the kinds given, waits measured from each completion", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (seed, intervalMs, durationMs, jitter) => {
          const schedule = faultSchedule({ faults: [partition, kill], intervalNs: intervalMs * MS, faultDurationNs: durationMs * MS, jitter });
          const { history } = await simulate({
            generator: any(clients(timeLimit(300 * MS, stagger(MS, tagged("w")))), nemesis(timeLimit(300 * MS, schedule))),
            concurrency: 3,
            seed,
            nemesis: flaky(5 * MS),
            respond: flaky(2 * MS),
          });
          const calls = nemesisCalls(history);
          expect(calls.length).toBeGreaterThan(2);
          let previousDone = 0;
          calls.forEach(({ invoke, done }, i) => {
            const fault = i % 2 === 0 ? [partition, kill].find((k) => k.start.f === invoke.f) : undefined;
            if (i % 2 === 0) expect(fault).toBeDefined();
            else expect(invoke.f).toBe([partition, kill].find((k) => k.start.f === calls[i - 1].invoke.f)?.stop?.f);
            const baseNs = (i % 2 === 0 ? intervalMs : durationMs) * MS;
            const waitedNs = invoke.time - previousDone;
            expect(waitedNs).toBeGreaterThanOrEqual(Math.floor(baseNs * (1 - jitter)));
            expect(waitedNs).toBeLessThanOrEqual(Math.ceil(baseNs * (1 + jitter)) + 1);
            previousDone = done.time;
          });
        },
      ),
      { numRuns: 12 },
    );
  });

  it("uses both kinds over a long run", async () => {
    const { history } = await simulate({
      generator: timeLimit(2_000 * MS, faultSchedule({ faults: [partition, kill], intervalNs: 10 * MS })),
      concurrency: 0,
      seed: 4,
      nemesis: true,
    });
    const started = new Set(invokes(history).map((op) => op.f));
    expect(started).toEqual(new Set(["start-partition", "stop-partition", "kill", "start"]));
  });

  it("after a start that definitely failed, skips the stop", async () => {
    const failStarts = (op: { f: string }): SimulatedResponse => ({ completion: { type: op.f === "kill" ? "fail" : "ok" }, latencyNs: MS });
    const { history } = await simulate({
      generator: limit(4, faultSchedule({ faults: [kill], intervalNs: 10 * MS })),
      concurrency: 0,
      nemesis: failStarts,
    });
    expect(invokes(history).map((op) => op.f)).toEqual(["kill", "kill", "kill", "kill"]);
  });

  it("stops a start whose outcome is unknown", async () => {
    const unknown = (): SimulatedResponse => ({ completion: { type: "info", error: "timeout" }, latencyNs: MS });
    const { history } = await simulate({
      generator: limit(4, faultSchedule({ faults: [partition], intervalNs: 10 * MS })),
      concurrency: 0,
      nemesis: unknown,
    });
    expect(invokes(history).map((op) => op.f)).toEqual(["start-partition", "stop-partition", "start-partition", "stop-partition"]);
    // The nemesis is never retired.
    expect(history.every((op) => op.process === "nemesis")).toBe(true);
  });

  it("repeats a fault without a stop op after each healthy interval", async () => {
    const { history } = await simulate({ generator: limit(3, faultSchedule({ faults: [clockBump], intervalNs: 10 * MS })), concurrency: 0, nemesis: true });
    const starts = invokes(history);
    expect(starts.map((op) => op.f)).toEqual(["bump-clock", "bump-clock", "bump-clock"]);
    // 10 ms healthy, 1 ms for the op, 10 ms healthy, …
    expect(starts.map((op) => op.time)).toEqual([10 * MS, 21 * MS, 32 * MS]);
  });

  it("with its own rng, picks the same faults at the same times whatever the clients do", async () => {
    const schedule = () => faultSchedule({ faults: [partition, kill, clockBump], intervalNs: 10 * MS, jitter: 0.5, rng: new Rng(99) });
    const run = async (clientSeed: number, rateMs: number) => {
      const { history } = await simulate({
        generator: any(clients(timeLimit(500 * MS, stagger(rateMs * MS, tagged("w")))), nemesis(timeLimit(500 * MS, schedule()))),
        concurrency: 4,
        seed: clientSeed,
        nemesis: true,
        respond: flaky(3 * MS),
      });
      return invokes(nemesisOps(history)).map((op) => `${op.time} ${op.f} ${JSON.stringify(op.value)}`);
    };
    const quiet = await run(1, 20);
    const busy = await run(2, 1);
    expect(quiet.length).toBeGreaterThan(10);
    expect(busy).toEqual(quiet);
  });

  it("waits firstWaitNs before its first fault only, then intervals as usual", async () => {
    const schedule = faultSchedule({ faults: [kill], intervalNs: 50 * MS, faultDurationNs: 10 * MS, firstWaitNs: 3 * MS });
    const { history } = await simulate({ generator: nemesis(timeLimit(200 * MS, schedule)), concurrency: 1, nemesis: true });
    const calls = nemesisCalls(history);
    expect(calls.slice(0, 4).map(({ invoke }) => invoke.f)).toEqual(["kill", "start", "kill", "start"]);
    expect(calls[0].invoke.time).toBe(3 * MS);
    expect(calls[1].invoke.time - calls[0].done.time).toBe(10 * MS);
    expect(calls[2].invoke.time - calls[1].done.time).toBe(50 * MS);
  });

  it("with once, makes one fault, trying a start that failed again, and is done after its stop", async () => {
    let kills = 0;
    const schedule = faultSchedule({ faults: [kill], intervalNs: 20 * MS, faultDurationNs: 10 * MS, firstWaitNs: 0, once: true });
    const { history } = await simulate({
      generator: nemesis(timeLimit(500 * MS, schedule)),
      concurrency: 1,
      // The first kill fails (no leader found), the second takes.
      nemesis: (op) => ({ completion: { type: op.f === "kill" && kills++ === 0 ? "fail" : "ok" }, latencyNs: MS }),
    });
    const calls = nemesisCalls(history);
    expect(calls.map(({ invoke, done }) => `${invoke.f} ${done.type}`)).toEqual(["kill fail", "kill ok", "start ok"]);
    expect(calls[1].invoke.time - calls[0].done.time).toBe(20 * MS);
    expect(calls[2].invoke.time - calls[1].done.time).toBe(10 * MS);
    // A fault without a stop op: done once it took.
    const bumps = faultSchedule({ faults: [clockBump], intervalNs: 20 * MS, firstWaitNs: 0, once: true });
    const bumped = await simulate({ generator: nemesis(timeLimit(500 * MS, bumps)), concurrency: 1, nemesis: true });
    expect(nemesisCalls(bumped.history).map(({ invoke }) => invoke.f)).toEqual(["bump-clock"]);
  });

  it("is done at once in a run without a nemesis", async () => {
    const { history } = await simulate({ generator: any(faultSchedule({ faults: [kill], intervalNs: MS }), clients(limit(2, tagged("w")))), concurrency: 1 });
    expect(invokes(history).map((op) => op.f)).toEqual(["w", "w"]);
  });

  it("rejects settings it cannot follow", () => {
    expect(() => faultSchedule({ faults: [], intervalNs: MS })).toThrow(/at least one fault/);
    expect(() => faultSchedule({ faults: [kill], intervalNs: MS, jitter: 2 })).toThrow(/jitter between 0 and 1/);
    expect(() => faultSchedule({ faults: [kill], intervalNs: -1 })).toThrow(/non-negative intervalNs/);
    expect(() => faultSchedule({ faults: [kill], intervalNs: MS, firstWaitNs: -1 })).toThrow(/non-negative firstWaitNs/);
  });
});
