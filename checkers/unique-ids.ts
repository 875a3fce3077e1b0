// Jepsen's unique-ids: every successful generate must return an id no other successful generate
// returned. Failed and indeterminate generates returned nothing we can hold against the system.
//
// Op shapes:
//   generate  invoke value: null; ok value: the id (number or string; others compared by JSON).

import type { Checker, CheckResult, Validity } from "./checker.ts";
import { mergeValidity } from "./checker.ts";
import { pairOps } from "../harness/history/pairs.ts";
import type { Op } from "../harness/op.ts";
import { showValue, opRef, type MalformedOp, type OpRef } from "./evidence.ts";

export interface UniqueIdsResult extends CheckResult {
  attempted: number;
  acknowledged: number;
  duplicatedCount: number;
  /** Each id returned more than once, with every op that returned it. */
  duplicated: { id: unknown; ops: OpRef[] }[];
  /** Smallest and largest numeric id, when ids are numbers. */
  range: { min: number; max: number } | null;
  malformed: MalformedOp[];
}

export function uniqueIdsChecker(): Checker {
  return { name: "unique-ids", check: (history) => checkUniqueIds(history) };
}

export function checkUniqueIds(history: readonly Op[]): UniqueIdsResult {
  const byId = new Map<string | number, { id: unknown; ops: Op[] }>();
  const malformed: MalformedOp[] = [];
  let attempted = 0;
  let acknowledged = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const { invoke, completion } of pairOps(history)) {
    if (invoke.f !== "generate" || invoke.process === "nemesis") continue;
    attempted++;
    if (completion?.type !== "ok") continue;
    const id = completion.value;
    if (id === null || id === undefined) {
      malformed.push({ index: completion.index, reason: `generate succeeded with ${showValue(id)} instead of an id` });
      continue;
    }
    acknowledged++;
    if (typeof id === "number") {
      min = Math.min(min, id);
      max = Math.max(max, id);
    }
    const key = typeof id === "number" || typeof id === "string" ? id : `json:${JSON.stringify(id)}`;
    const entry = byId.get(key) ?? { id, ops: [] };
    entry.ops.push(completion);
    byId.set(key, entry);
  }
  const duplicated = [...byId.values()].filter((entry) => entry.ops.length > 1).map(({ id, ops }) => ({ id, ops: ops.map(opRef) }));
  let valid: Validity = duplicated.length > 0 ? false : acknowledged === 0 ? "unknown" : true;
  if (malformed.length > 0) valid = mergeValidity([valid, "unknown"]);
  return { valid, attempted, acknowledged, duplicatedCount: duplicated.length, duplicated, range: min <= max ? { min, max } : null, malformed };
}
