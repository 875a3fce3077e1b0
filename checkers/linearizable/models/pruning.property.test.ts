// The search prunes with what models say about reads (wgl.ts rules 4 and 5: Model.readOnly and
// Model.reachable). A wrong answer there would lose linearizations silently, so every model that
// declares them is checked here against a search with no pruning at all, on small random
// histories — linearizable ones and broken ones in good numbers.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Op } from "../../../harness/op.ts";
import { type LinearizableResult, linearizable } from "../check.ts";
import type { Model, Step } from "../model.ts";
import { casRegister } from "./cas-register.ts";
import { kv } from "./kv.ts";
import { register } from "./register.ts";
import { set } from "./set.ts";

/** One op of a small history: what it does, when it runs, how it ends. */
interface Abstract {
  f: string;
  value: unknown;
  /** What an ok read returned. */
  output: unknown;
  start: number;
  length: number;
  outcome: "ok" | "info" | "fail" | "open";
}

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
    key: "k",
    value: type === "ok" && (op.f === "read" || op.f === "get") ? op.output : op.value,
  }));
}

/** Linearizability by exhaustive search over the model's step alone: place ops one at a time; an
 *  op may go next unless an unplaced op that definitely completed returned before it was called;
 *  ok ops must all be placed, info and open ones may be. Memo of dead ends only. */
function bruteForce<State, Input, Output>(model: Model<State, Input, Output>, ops: readonly Abstract[]): boolean {
  const history = toHistory(ops);
  const relevant: { input: Input; output: Output | undefined; start: number; end: number }[] = [];
  ops.forEach((op, process) => {
    if (op.outcome === "fail") return;
    const invoke = history.find((event) => event.process === process && event.type === "invoke") as Op;
    const completion = op.outcome === "ok" ? history.find((event) => event.process === process && event.type === "ok") : undefined;
    const translated = model.operation(invoke, completion);
    if (translated === null) return;
    relevant.push({ input: translated.input, output: translated.output, start: op.start, end: op.outcome === "ok" ? op.start + op.length : Infinity });
  });
  const placed = relevant.map(() => false);
  const deadEnds = new Set<string>();
  const search = (state: State): boolean => {
    const configuration = `${placed.map(Number).join("")} ${model.describeState(state)}`;
    if (deadEnds.has(configuration)) return false;
    if (relevant.every((op, i) => placed[i] || op.end === Infinity)) return true;
    for (let i = 0; i < relevant.length; i++) {
      if (placed[i]) continue;
      if (relevant.some((other, j) => !placed[j] && j !== i && other.end <= relevant[i].start)) continue;
      const result = model.step(state, relevant[i].input, relevant[i].output) as Step<State>;
      if (!result.ok) continue;
      placed[i] = true;
      const found = search(result.state);
      placed[i] = false;
      if (found) return true;
    }
    deadEnds.add(configuration);
    return false;
  };
  return search(model.init());
}

const timing = { start: fc.integer({ min: 0, max: 10 }), length: fc.integer({ min: 1, max: 6 }), outcome: fc.constantFrom("ok" as const, "ok" as const, "ok" as const, "info" as const, "fail" as const, "open" as const) };

const kvOp: fc.Arbitrary<Abstract> = fc
  .record({ f: fc.constantFrom("get", "get", "append", "append", "put"), value: fc.constantFrom("a", "b", "c"), output: fc.constantFrom("", "a", "b", "ab", "ba", "c", "ca", "abc", "cab", "bc"), ...timing })
  .map(({ f, value, output, ...rest }) => ({ f, value: f === "get" ? null : value, output: f === "get" ? output : null, ...rest }));

const registerOp = (cas: boolean): fc.Arbitrary<Abstract> =>
  fc
    .record({ f: fc.constantFrom("read", "read", "write", ...(cas ? ["cas"] : [])), value: fc.integer({ min: 0, max: 2 }), from: fc.constantFrom(null, 0, 1, 2), output: fc.constantFrom(null, 0, 1, 2), ...timing })
    .map(({ f, value, from, output, ...rest }) => ({ f, value: f === "read" ? null : f === "cas" ? [from, value] : value, output: f === "read" ? output : null, ...rest }));

const setOp: fc.Arbitrary<Abstract> = fc
  .record({ f: fc.constantFrom("read", "add", "add"), value: fc.integer({ min: 1, max: 3 }), output: fc.subarray([1, 2, 3]), ...timing })
  .map(({ f, value, output, ...rest }) => ({ f, value: f === "read" ? null : value, output: f === "read" ? output : null, ...rest }));

const cases: [string, Model<never, never, never>, fc.Arbitrary<Abstract>][] = [
  ["kv", kv as unknown as Model<never, never, never>, kvOp],
  ["register", register as unknown as Model<never, never, never>, registerOp(false)],
  ["cas-register", casRegister as unknown as Model<never, never, never>, registerOp(true)],
  ["set", set as unknown as Model<never, never, never>, setOp],
];

describe("pruning with the models' reads agrees with a search that does not prune", () => {
  for (const [name, model, op] of cases) {
    it(`${name}: small random histories, linearizable or not`, () => {
      const checker = linearizable({ model, threads: 1 });
      let linearizableSeen = 0;
      let violationsSeen = 0;
      fc.assert(
        fc.property(fc.array(op, { minLength: 1, maxLength: 10 }), (ops) => {
          const expected = bruteForce(model, ops);
          const result = checker.check(toHistory(ops)) as LinearizableResult;
          expect(result.valid).toBe(expected);
          if (expected) linearizableSeen++;
          else violationsSeen++;
        }),
        { numRuns: 1500 },
      );
      expect(linearizableSeen).toBeGreaterThan(150);
      expect(violationsSeen).toBeGreaterThan(150);
    });
  }
});
