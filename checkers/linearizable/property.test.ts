import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Op } from "../../harness/op.ts";
import { Rng } from "../../harness/rng.ts";
import { type LinearizableResult, linearizable } from "./check.ts";
import { corruptOneRead, NEVER_WRITTEN, randomRegisterHistory } from "../../test/support/random-register-history.ts";

const checkers = { register: linearizable({ model: "register" }), "cas-register": linearizable({ model: "cas-register" }) };

const simulation = fc.record({
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
  operations: fc.integer({ min: 1, max: 80 }),
  processes: fc.integer({ min: 1, max: 6 }),
  keys: fc.integer({ min: 1, max: 3 }),
  model: fc.constantFrom("register" as const, "cas-register" as const),
  infoProbability: fc.constantFrom(0, 0.05, 0.3),
  lostProbability: fc.constantFrom(0, 0.1),
  openAtEnd: fc.boolean(),
});

type Simulation = typeof simulation extends fc.Arbitrary<infer T> ? T : never;

function simulate(params: Simulation): Op[] {
  return randomRegisterHistory({ ...params, rng: new Rng(params.seed), cas: params.model === "cas-register", values: 4 });
}

describe("histories of a real register", () => {
  it("are always linearizable", () => {
    fc.assert(
      fc.property(simulation, (params) => {
        const result = checkers[params.model].check(simulate(params)) as LinearizableResult;
        expect(result.valid).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("are always rejected once one read returns a value never written", () => {
    fc.assert(
      fc.property(simulation, (params) => {
        const corrupted = corruptOneRead(simulate(params), new Rng(params.seed ^ 0x9e3779b9));
        fc.pre(corrupted !== null);
        const result = checkers[params.model].check(corrupted as Op[]) as LinearizableResult;
        expect(result.valid).toBe(false);
        // The op the search could not place always has a known outcome: indeterminate ones may
        // simply not have happened.
        const stuck = result.failures[0].ops[0];
        expect(stuck.completionIndex).not.toBe(null);
      }),
      { numRuns: 300 },
    );
  });

  it("pinpoint the corrupted read as the op that cannot be placed", () => {
    // A fixed history, as the search may in general stop at an earlier op the corruption starves.
    const history = randomRegisterHistory({ rng: new Rng(1844768250), operations: 47, processes: 2, cas: true, values: 4, infoProbability: 0.05, lostProbability: 0.1 });
    const corrupted = corruptOneRead(history, new Rng(1844768250 ^ 0x9e3779b9)) as Op[];
    const victim = corrupted.find((op, i) => op !== history[i]) as Op;
    const result = checkers["cas-register"].check(corrupted) as LinearizableResult;
    expect(result.valid).toBe(false);
    const [stuck] = result.failures[0].ops;
    expect(stuck).toMatchObject({ completionIndex: victim.index, output: NEVER_WRITTEN, describe: `read → ${NEVER_WRITTEN}`, nextFromFinalState: "illegal" });
  });

  it("stay linearizable at a larger scale, with many indeterminate ops", () => {
    const history = randomRegisterHistory({ rng: new Rng(7), operations: 3000, processes: 10, keys: 20, cas: true, infoProbability: 0.1, lostProbability: 0.1 });
    const result = checkers["cas-register"].check(history) as LinearizableResult;
    expect(result).toMatchObject({ valid: true, partitions: 20 });
  });
});

/** One op of a small abstract cas-register history. */
interface Abstract {
  f: "read" | "write" | "cas";
  value: number | [number, number] | null;
  /** A read's result. */
  output: number | null;
  start: number;
  length: number;
  outcome: "ok" | "info" | "fail" | "open";
}

const abstractOp: fc.Arbitrary<Abstract> = fc.record({
  f: fc.constantFrom("read" as const, "write" as const, "cas" as const),
  write: fc.integer({ min: 0, max: 2 }),
  cas: fc.tuple(fc.constantFrom(null, 0, 1, 2), fc.integer({ min: 0, max: 2 })),
  output: fc.constantFrom(null, 0, 1, 2),
  start: fc.integer({ min: 0, max: 12 }),
  length: fc.integer({ min: 1, max: 8 }),
  outcome: fc.constantFrom("ok" as const, "ok" as const, "ok" as const, "info" as const, "info" as const, "fail" as const, "open" as const),
}).map(({ f, write, cas, output, start, length, outcome }) => ({
  f,
  value: f === "write" ? write : f === "cas" ? (cas as [number, number]) : null,
  output: f === "read" ? output : null,
  start,
  length,
  outcome,
}));

/** Each op gets its own process; events at even/odd positions so a call and a return never tie. */
function toHistory(ops: readonly Abstract[]): Op[] {
  const events: { at: number; process: number; op: Abstract; type: Op["type"] }[] = [];
  ops.forEach((op, process) => {
    events.push({ at: op.start * 2 + 1, process, op, type: "invoke" });
    if (op.outcome !== "open") events.push({ at: (op.start + op.length) * 2, process, op, type: op.outcome });
  });
  events.sort((a, b) => a.at - b.at || a.process - b.process);
  return events.map(({ process, op, type }, index) => ({
    index,
    time: index,
    process,
    type,
    f: op.f,
    value: type === "ok" && op.f === "read" ? op.output : op.value,
  }));
}

/** Linearizability by exhaustive search, written for obviousness, not speed: place ops one at a
 *  time; an op may go next unless some unplaced op that definitely completed returned before it
 *  was called (at or before its start); ok ops must all be placed, info/open ones may be; fail
 *  ops and unfinished reads are left out. The only pruning is an exact memo of dead ends
 *  (the same ops placed, the same register value). */
function bruteForce(ops: readonly Abstract[]): boolean {
  const end = (op: Abstract) => (op.outcome === "ok" ? op.start + op.length : Infinity);
  const relevant = ops.filter((op) => op.outcome !== "fail" && !(op.f === "read" && op.outcome !== "ok"));
  const placed = new Array(relevant.length).fill(false);
  const deadEnds = new Set<string>();
  const search = (state: number | null): boolean => {
    const configuration = `${placed.map(Number).join("")} ${state}`;
    if (deadEnds.has(configuration)) return false;
    if (relevant.every((op, i) => placed[i] || op.outcome !== "ok")) return true;
    for (let i = 0; i < relevant.length; i++) {
      if (placed[i]) continue;
      const op = relevant[i];
      // toHistory puts a return at time t before a call at time t.
      const blocked = relevant.some((other, j) => !placed[j] && j !== i && end(other) <= op.start);
      if (blocked) continue;
      let next: number | null;
      if (op.f === "read") {
        if (op.output !== state) continue;
        next = state;
      } else if (op.f === "write") {
        next = op.value as number;
      } else {
        const [from, to] = op.value as [number, number];
        if (state !== from) continue;
        next = to;
      }
      placed[i] = true;
      const found = search(next);
      placed[i] = false;
      if (found) return true;
    }
    deadEnds.add(configuration);
    return false;
  };
  return search(null);
}

describe("the search agrees with exhaustive search", () => {
  it("on small random cas-register histories, linearizable or not", () => {
    let linearizableSeen = 0;
    let violationsSeen = 0;
    fc.assert(
      fc.property(fc.array(abstractOp, { minLength: 1, maxLength: 12 }), (ops) => {
        const expected = bruteForce(ops);
        const result = checkers["cas-register"].check(toHistory(ops)) as LinearizableResult;
        expect(result.valid).toBe(expected);
        if (expected) linearizableSeen++;
        else violationsSeen++;
      }),
      { numRuns: 2000 },
    );
    // Both verdicts must be well represented, or the comparison proves little.
    expect(linearizableSeen).toBeGreaterThan(200);
    expect(violationsSeen).toBeGreaterThan(200);
  });
});
