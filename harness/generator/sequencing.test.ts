// The small combinators, each on a concrete run: what they emit, to whom, and when.

import { describe, expect, it } from "vitest";
import { simulate } from "../../test/support/simulated-interpreter.ts";
import type { Op } from "../op.ts";
import { Rng } from "../rng.ts";
import type { GenContext } from "./generator.ts";
import { limit } from "./limit.ts";
import { fromFn, once } from "./lift.ts";
import { cycle, repeat } from "./repeat.ts";
import { clients } from "./routing.ts";
import { andThen, concat, phases, synchronize } from "./sequence.ts";
import { sleep } from "./sleep.ts";
import { filter, map } from "./transform.ts";
import { flaky, invokes, tagged } from "../../test/support/generator-context.ts";

const MS = 1_000_000;
const fs = (history: readonly Op[]) => invokes(history).map((op) => op.f);

function ctx(free: GenContext["freeProcesses"], all = free): GenContext {
  return { timeNs: 0, freeProcesses: free, allProcesses: all, rng: new Rng(1) };
}

describe("lifting", () => {
  it("a function gives each op to a free client process, spread at random", () => {
    const gen = fromFn(() => ({ f: "read", value: null }));
    const context = ctx([2, 5, 6, "nemesis"], [0, 1, 2, 5, 6, "nemesis"]);
    const chosen = new Set<unknown>();
    for (let i = 0; i < 100; i++) {
      const result = gen.op(context);
      chosen.add(result.kind === "op" ? result.op.process : result.kind);
    }
    expect(chosen).toEqual(new Set([2, 5, 6]));
    expect(gen.op(ctx(["nemesis"], [0, "nemesis"])).kind).toBe("pending");
    expect(gen.op(ctx([], [0])).kind).toBe("pending");
  });

  it("once emits its op a single time, to a pinned process when given one", async () => {
    const { history } = await simulate({ generator: concat(once({ f: "a", value: 1, process: 2 }), once({ f: "b", value: 2 })), concurrency: 3 });
    const [a, b] = invokes(history);
    expect([a.process, a.f, a.value]).toEqual([2, "a", 1]);
    expect([b.f, b.value]).toEqual(["b", 2]);
    expect([0, 1]).toContain(b.process);
    const pinned = once({ f: "a", value: null, process: 1 });
    expect(pinned.op(ctx([0], [0, 1])).kind).toBe("pending");
  });

  it("keeps the key of an op", async () => {
    const { history } = await simulate({ generator: once({ f: "write", value: 3, key: "k7" }), concurrency: 1 });
    expect(history.map((op) => op.key)).toEqual(["k7", "k7"]);
  });
});

describe("repeat and cycle", () => {
  it("repeat(n, once(op)) emits the op n times; repeat without a count goes on", async () => {
    const { history } = await simulate({ generator: repeat(3, once({ f: "r", value: null })), concurrency: 2 });
    expect(fs(history)).toEqual(["r", "r", "r"]);
    const endless = await simulate({ generator: limit(7, repeat(once({ f: "r", value: null }))), concurrency: 2 });
    expect(fs(endless.history)).toHaveLength(7);
  });

  it("cycle runs a finite generator again from the start", async () => {
    const { history } = await simulate({ generator: cycle(concat(once({ f: "a", value: null }), once({ f: "b", value: null })), 3), concurrency: 1 });
    expect(fs(history)).toEqual(["a", "b", "a", "b", "a", "b"]);
  });

  it("cycle of a generator that emits nothing is done instead of spinning", async () => {
    const { history } = await simulate({ generator: cycle(limit(0, tagged("x"))), concurrency: 1 });
    expect(history).toEqual([]);
  });
});

describe("sequencing", () => {
  it("concat starts the next generator while the previous one's ops are still in flight", async () => {
    const { history } = await simulate({ generator: concat(limit(1, tagged("a")), limit(1, tagged("b"))), concurrency: 2 });
    expect(history.map((op) => `${op.f}:${op.type}`)).toEqual(["a:invoke", "b:invoke", "a:ok", "b:ok"]);
  });

  it("synchronize waits until every process is idle; andThen uses it", async () => {
    const slowFirst = (op: { f: string }) => ({ completion: { type: "ok" as const }, latencyNs: op.f === "a" ? 10 * MS : MS });
    const { history } = await simulate({ generator: andThen(limit(1, tagged("a")), limit(1, tagged("b"))), concurrency: 2, respond: slowFirst });
    expect(history.map((op) => `${op.f}:${op.type}`)).toEqual(["a:invoke", "a:ok", "b:invoke", "b:ok"]);
    expect(invokes(history)[1].time).toBe(10 * MS);
    expect(synchronize(tagged("x")).op(ctx([0], [0, 1])).kind).toBe("pending");
  });

  it("sleep pauses a sequence for its span from when it is reached", async () => {
    const { history } = await simulate({ generator: phases(limit(1, tagged("a")), sleep(20 * MS), limit(1, tagged("b"))), concurrency: 1 });
    const [a, b] = invokes(history);
    // a completes at 1 ms; the sleep starts then.
    expect(a.time).toBe(0);
    expect(b.time).toBe(21 * MS);
  });
});

describe("map and filter", () => {
  it("map rewrites ops, filter drops those that fail its predicate", async () => {
    const numbered = fromFn((c) => ({ f: "write", value: c.rng.int(100) }));
    const generator = limit(30, filter((op) => (op.value as number) % 2 === 0, map((op) => ({ ...op, f: "even-write" }), numbered)));
    const { history } = await simulate({ generator, concurrency: 3, seed: 8, respond: flaky(MS) });
    const ops = invokes(history);
    expect(ops).toHaveLength(30);
    for (const op of ops) {
      expect(op.f).toBe("even-write");
      expect((op.value as number) % 2).toBe(0);
    }
  });

  it("filter says so when its predicate never holds, instead of spinning forever", async () => {
    await expect(simulate({ generator: clients(filter(() => false, tagged("x"))), concurrency: 1 })).rejects.toThrow(/rejected 100000 ops in a row/);
  });
});
