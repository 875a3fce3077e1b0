// Properties of the combinators, checked on histories of the real interpreter over virtual time
// (simulate): random seeds, concurrency, latencies and outcomes.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { simulate } from "../../test/support/simulated-interpreter.ts";
import { isClientProcess, type Op } from "../op.ts";
import { any } from "./any.ts";
import { eachProcess } from "./each-process.ts";
import { limit, timeLimit } from "./limit.ts";
import { fromFn } from "./lift.ts";
import { mix } from "./mix.ts";
import { clients, nemesis } from "./routing.ts";
import { phases } from "./sequence.ts";
import { sleep } from "./sleep.ts";
import { delay, stagger } from "./spacing.ts";
import { flaky, invokes, tagged } from "../../test/support/generator-context.ts";

const MS = 1_000_000;
const RUNS = { numRuns: 20 };
const seed = fc.integer({ min: 0, max: 2 ** 31 });
const concurrency = fc.integer({ min: 1, max: 6 });

describe("limit", () => {
  it("emits at most n ops (exactly n from an endless generator)", async () => {
    await fc.assert(
      fc.asyncProperty(seed, concurrency, fc.integer({ min: 0, max: 60 }), async (s, c, n) => {
        const { history } = await simulate({ generator: limit(n, tagged("w")), concurrency: c, seed: s, respond: flaky(3 * MS, 0.2, 0.1) });
        expect(invokes(history)).toHaveLength(n);
      }),
      RUNS,
    );
  });

  it("nested limits emit the smaller count", async () => {
    await fc.assert(
      fc.asyncProperty(seed, fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 }), async (s, n, m) => {
        const { history } = await simulate({ generator: limit(n, limit(m, tagged("w"))), concurrency: 3, seed: s });
        expect(invokes(history)).toHaveLength(Math.min(n, m));
      }),
      RUNS,
    );
  });
});

describe("timeLimit", () => {
  it("never emits at or after its deadline, counted from the first time it is asked", async () => {
    await fc.assert(
      fc.asyncProperty(
        seed,
        concurrency,
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 1, max: 40 }),
        async (s, c, sleepMs, spanMs) => {
          const generator = phases(sleep(sleepMs * MS), clients(timeLimit(spanMs * MS, stagger(MS, tagged("w")))));
          const { history } = await simulate({ generator, concurrency: c, seed: s, respond: flaky(4 * MS, 0.1) });
          const ops = invokes(history);
          expect(ops.length).toBeGreaterThan(0);
          for (const op of ops) {
            expect(op.time).toBeGreaterThanOrEqual(sleepMs * MS);
            expect(op.time).toBeLessThan((sleepMs + spanMs) * MS);
          }
        },
      ),
      RUNS,
    );
  });

  it("ends on time even when every process hangs and nothing completes", async () => {
    const { history, clock } = await simulate({
      generator: timeLimit(10 * MS, tagged("w")),
      concurrency: 2,
      respond: () => ({ completion: { type: "ok" }, latencyNs: Infinity }),
      opTimeoutMs: 50,
    });
    expect(invokes(history)).toHaveLength(2);
    expect(history.filter((op) => op.error === "timeout")).toHaveLength(2);
    // Both hung ops time out at 50 ms; had the limit not woken at 10 ms, the replacements would
    // have been sent more ops.
    expect(clock.nowNs()).toBe(50 * MS);
  });
});

describe("stagger", () => {
  it("spaces ops by 0..2×mean with a mean close to the one asked for", async () => {
    await fc.assert(
      fc.asyncProperty(seed, fc.integer({ min: 1, max: 50 }), async (s, meanMs) => {
        const meanNs = meanMs * MS;
        // Clients that answer at once keep a process free, so only stagger decides the spacing.
        const { history } = await simulate({
          generator: limit(400, stagger(meanNs, tagged("w"))),
          concurrency: 2,
          seed: s,
          respond: () => ({ completion: { type: "ok" }, latencyNs: 0 }),
        });
        const times = invokes(history).map((op) => op.time);
        const gaps = times.slice(1).map((t, i) => t - times[i]);
        for (const gap of gaps) {
          expect(gap).toBeGreaterThanOrEqual(0);
          expect(gap).toBeLessThanOrEqual(2 * meanNs);
        }
        const meanGap = gaps.reduce((a, b) => a + b, 0) / gaps.length;
        // 399 uniform gaps: the sample mean's standard deviation is 2.9% of the mean; 15% is 5σ.
        expect(meanGap).toBeGreaterThan(0.85 * meanNs);
        expect(meanGap).toBeLessThan(1.15 * meanNs);
      }),
      { numRuns: 8 },
    );
  });

  it("keeps its rate while ops take a while, and does not burst after a stall", async () => {
    const { history } = await simulate({
      generator: limit(200, stagger(10 * MS, tagged("w"))),
      concurrency: 4,
      seed: 3,
      respond: flaky(8 * MS),
    });
    const times = invokes(history).map((op) => op.time);
    const meanGap = (times[times.length - 1] - times[0]) / (times.length - 1);
    expect(meanGap).toBeGreaterThan(8.5 * MS);
    expect(meanGap).toBeLessThan(11.5 * MS);
  });
});

describe("delay", () => {
  it("spaces ops exactly, the first at once", async () => {
    const { history } = await simulate({ generator: limit(5, delay(7 * MS, tagged("w"))), concurrency: 2, respond: flaky(MS) });
    expect(invokes(history).map((op) => op.time)).toEqual([0, 7, 14, 21, 28].map((t) => t * MS));
  });
});

describe("mix", () => {
  it("emits only ops of its members, drawing on each", async () => {
    await fc.assert(
      fc.asyncProperty(seed, concurrency, fc.integer({ min: 0, max: 5 }), async (s, c, k) => {
        const generator = limit(120, mix([tagged("a"), tagged("b"), limit(k, tagged("c"))]));
        const { history } = await simulate({ generator, concurrency: c, seed: s, respond: flaky(2 * MS, 0.1) });
        const fs = invokes(history).map((op) => op.f);
        expect(fs).toHaveLength(120);
        for (const f of fs) expect(["a", "b", "c"]).toContain(f);
        expect(fs.filter((f) => f === "c")).toHaveLength(k);
        expect(fs).toContain("a");
        expect(fs).toContain("b");
      }),
      RUNS,
    );
  });

  it("is done when all its members are", async () => {
    const { history } = await simulate({ generator: mix([limit(3, tagged("a")), limit(2, tagged("b"))]), concurrency: 2 });
    expect(invokes(history).map((op) => op.f).sort()).toEqual(["a", "a", "a", "b", "b"]);
  });
});

describe("phases", () => {
  it("never overlap: each phase starts after every op of the previous one completed", async () => {
    await fc.assert(
      fc.asyncProperty(
        seed,
        concurrency,
        fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 2, maxLength: 4 }),
        fc.boolean(),
        async (s, c, sizes, withNemesis) => {
          const parts = sizes.map((size, i) =>
            any(clients(limit(size, tagged(`phase${i}`))), nemesis(limit(i % 2, fromFn(() => ({ f: `phase${i}`, value: null }))))),
          );
          const { history } = await simulate({
            generator: phases(...parts),
            concurrency: c,
            seed: s,
            nemesis: withNemesis ? flaky(5 * MS) : undefined,
            respond: flaky(5 * MS, 0.2, 0.1),
          });
          const phaseOf = (op: Op) => Number(op.f.slice("phase".length));
          for (let i = 0; i + 1 < sizes.length; i++) {
            const lastOfPhase = Math.max(-1, ...history.filter((op) => phaseOf(op) <= i).map((op) => op.index));
            const firstOfNext = Math.min(Infinity, ...history.filter((op) => phaseOf(op) > i).map((op) => op.index));
            expect(lastOfPhase).toBeLessThan(firstOfNext);
          }
        },
      ),
      RUNS,
    );
  });
});

describe("clients / nemesis routing", () => {
  it("client ops go only to client processes, nemesis ops only to the nemesis", async () => {
    await fc.assert(
      fc.asyncProperty(seed, concurrency, async (s, c) => {
        const generator = any(clients(limit(60, tagged("client-op"))), nemesis(limit(10, stagger(2 * MS, tagged("nemesis-op")))));
        const { history } = await simulate({ generator, concurrency: c, seed: s, nemesis: flaky(3 * MS, 0.2), respond: flaky(2 * MS, 0.2) });
        const clientOps = history.filter((op) => op.f === "client-op");
        const nemesisOps = history.filter((op) => op.f === "nemesis-op");
        expect(invokes(clientOps)).toHaveLength(60);
        expect(invokes(nemesisOps)).toHaveLength(10);
        for (const op of clientOps) expect(isClientProcess(op.process)).toBe(true);
        for (const op of nemesisOps) expect(op.process).toBe("nemesis");
      }),
      RUNS,
    );
  });

  it("a nemesis generator is done in a run without a nemesis", async () => {
    const generator = any(clients(limit(5, tagged("client-op"))), nemesis(tagged("nemesis-op")));
    const { history } = await simulate({ generator, concurrency: 2 });
    expect(invokes(history).map((op) => op.f)).toEqual(Array(5).fill("client-op"));
  });

  it("a lifted op never falls to the nemesis when all clients are busy", async () => {
    const { history } = await simulate({ generator: limit(20, tagged("w")), concurrency: 1, nemesis: true });
    expect(history.every((op) => op.process !== "nemesis")).toBe(true);
  });
});

describe("any", () => {
  it("does not starve a member when another always has an op ready", async () => {
    const generator = any(clients(limit(2000, tagged("client-op"))), nemesis(limit(20, tagged("nemesis-op"))));
    const instant = () => ({ completion: { type: "ok" as const }, latencyNs: 0 });
    const { history } = await simulate({ generator, concurrency: 4, nemesis: instant, respond: instant });
    const nemesisInvokes = invokes(history).filter((op) => op.process === "nemesis");
    expect(nemesisInvokes).toHaveLength(20);
    // Interleaved, not all at the end: the nemesis's last op comes before the clients' last.
    const lastClient = Math.max(...invokes(history).filter((op) => op.process !== "nemesis").map((op) => op.index));
    expect(nemesisInvokes[nemesisInvokes.length - 1].index).toBeLessThan(lastClient);
  });
});

describe("eachProcess", () => {
  it("gives every client slot its own copy, carried on by replacement processes", async () => {
    await fc.assert(
      fc.asyncProperty(seed, concurrency, fc.integer({ min: 1, max: 8 }), async (s, c, k) => {
        const generator = clients(eachProcess((first) => limit(k, fromFn(() => ({ f: "read", value: first })))));
        const { history, run } = await simulate({ generator, concurrency: c, seed: s, respond: flaky(3 * MS, 0.3, 0.1) });
        const ops = invokes(history);
        expect(ops).toHaveLength(c * k);
        for (let slot = 0; slot < c; slot++) {
          const ofSlot = ops.filter((op) => (op.process as number) % c === slot);
          expect(ofSlot).toHaveLength(k);
          // The factory ran once per slot, with the slot's first process.
          for (const op of ofSlot) expect(op.value).toBe(slot);
        }
        expect(run.processesRetired).toBe(history.filter((op) => op.type === "info").length);
      }),
      RUNS,
    );
  });

  it("is done at once inside nemesis routing, where there are no client processes", async () => {
    const generator = any(nemesis(eachProcess(tagged("n"))), clients(limit(3, tagged("c"))));
    const { history } = await simulate({ generator, concurrency: 2, nemesis: true });
    expect(invokes(history).map((op) => op.f)).toEqual(["c", "c", "c"]);
  });
});

describe("determinism", () => {
  const composite = () =>
    phases(
      any(
        clients(timeLimit(80 * MS, stagger(MS, mix([tagged("read"), tagged("write"), tagged("cas")])))),
        nemesis(timeLimit(80 * MS, stagger(15 * MS, mix([tagged("start-partition"), tagged("kill")])))),
      ),
      sleep(5 * MS),
      clients(eachProcess(limit(1, tagged("final-read")))),
    );

  it("the same seed gives the same history, op for op", async () => {
    await fc.assert(
      fc.asyncProperty(seed, concurrency, async (s, c) => {
        const options = { concurrency: c, seed: s, nemesis: flaky(4 * MS, 0.1), respond: flaky(3 * MS, 0.1, 0.1), opTimeoutMs: 2 };
        const first = await simulate({ generator: composite(), ...options });
        const second = await simulate({ generator: composite(), ...options });
        expect(second.history).toEqual(first.history);
        expect(first.history.length).toBeGreaterThan(20);
      }),
      { numRuns: 10 },
    );
  });

  it("different seeds give different histories", async () => {
    const histories: string[] = [];
    for (const s of [1, 2, 3]) histories.push(JSON.stringify((await simulate({ generator: composite(), concurrency: 3, seed: s, nemesis: true })).history));
    expect(new Set(histories).size).toBe(3);
  });
});
