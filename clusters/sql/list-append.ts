// list-append over one row per key (dialect.ts: lists):
//
//   ["append", k, x]  the dialect's upsert: insert the row with [x], or add x to its end
//   ["r", k, null]    the row's list → ["r", k, [..]] ([] if no row)
//
// The upsert appends in one statement, so at every isolation level an append lands exactly once
// and after everything committed before it; what differs between levels is what the reads see,
// which is what Elle judges. A key never appended reads as [] (Elle takes [] and nil alike).

import type { Invocation } from "../../harness/op.ts";
import type { SqlDialect } from "./dialect.ts";
import { parseMicroOps } from "./micro-ops.ts";
import type { SqlPlan, SqlPlanner } from "./transaction-body.ts";

export function listAppendPlanner(dialect: SqlDialect): SqlPlanner {
  return {
    plan(op: Invocation): SqlPlan | string {
      if (op.f !== "txn") return `list-append: unknown op f=${JSON.stringify(op.f)}; the workload sends only "txn"`;
      const mops = parseMicroOps(op.value, "append", "list-append");
      if (typeof mops === "string") return mops;
      const body: SqlPlan["body"] = async (statement) => {
        const done: [string, number, number | number[] | null][] = [];
        for (const [f, key, value] of mops) {
          if (f === "append") {
            await statement(dialect.append, [key, value]);
            done.push([f, key, value]);
            continue;
          }
          const { rows } = await statement(dialect.readList, [key]);
          const list = rows.length === 0 ? [] : dialect.decodeList(rows[0].v);
          if (list === undefined) throw new Error(`list-append: key ${key} holds ${JSON.stringify(rows[0].v)}, not a list; the lists table is corrupt`);
          done.push(["r", key, list]);
        }
        return done;
      };
      return { body, readOnly: mops.every(([f]) => f === "r") };
    },
  };
}
