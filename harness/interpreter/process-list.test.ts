import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { indexOfProcess, insertProcess, removeProcessAt } from "./process-list.ts";
import type { Process } from "../op.ts";

const ordered = (list: readonly Process[]) => {
  const clients = list.filter((p): p is number => p !== "nemesis");
  const sorted: Process[] = [...clients].sort((a, b) => a - b);
  return list.includes("nemesis") ? [...sorted, "nemesis"] : sorted;
};

describe("process lists", () => {
  it("keep clients ascending and the nemesis last through inserts and removals, without touching the input", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.nat(500), fc.constant("nemesis" as const))), fc.array(fc.nat(20)), (inserts, removals) => {
        let list: readonly Process[] = [];
        const model = new Set<Process>();
        for (const p of inserts) {
          if (model.has(p)) continue;
          const before = list;
          const snapshot = before.slice();
          list = insertProcess(list, p);
          model.add(p);
          expect(before).toEqual(snapshot);
        }
        for (const r of removals) {
          if (list.length === 0) break;
          const victim = list[r % list.length];
          list = removeProcessAt(list, indexOfProcess(list, victim));
          model.delete(victim);
        }
        expect(list).toEqual(ordered([...model]));
        for (const p of list) expect(list[indexOfProcess(list, p)]).toBe(p);
        expect(indexOfProcess(list, 1000)).toBe(-1);
        if (!model.has("nemesis")) expect(indexOfProcess(list, "nemesis")).toBe(-1);
      }),
    );
  });
});
