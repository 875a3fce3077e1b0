// list-append over one row per key: lists(k int primary key, v int[]).
//
//   ["append", k, x]  insert into lists values (k, {x})
//                     on conflict (k) do update set v = lists.v || excluded.v
//   ["r", k, null]    select to_json(v) from lists where k = k   → ["r", k, [..]] ([] if no row)
//
// The upsert appends in one statement, so at every isolation level an append lands exactly once
// and after everything committed before it; what differs between levels is what the reads see,
// which is what Elle judges. A key never appended reads as [] (Elle takes [] and nil alike).

import type { Invocation } from "../../harness/op.ts";
import { parseMicroOps } from "./micro-ops.ts";
import type { PostgresPlanner, TransactionBody } from "./transaction.ts";

const APPEND = "insert into lists (k, v) values ($1::int, array[$2::int]) on conflict (k) do update set v = lists.v || excluded.v";
const READ = "select to_json(v) as v from lists where k = $1::int";

export const listAppendPlanner: PostgresPlanner = {
  plan(op: Invocation): TransactionBody | string {
    if (op.f !== "txn") return `list-append: unknown op f=${JSON.stringify(op.f)}; the workload sends only "txn"`;
    const mops = parseMicroOps(op.value, "append", "list-append");
    if (typeof mops === "string") return mops;
    return async (statement) => {
      const done: [string, number, number | number[] | null][] = [];
      for (const [f, key, value] of mops) {
        if (f === "append") {
          await statement(APPEND, [key, value]);
          done.push([f, key, value]);
          continue;
        }
        const rows = await statement(READ, [key]);
        const list = rows.length === 0 ? [] : rows[0].v;
        if (!Array.isArray(list)) throw new Error(`list-append: key ${key} holds ${JSON.stringify(list)}, not a list; the lists table is corrupt`);
        done.push(["r", key, list as number[]]);
      }
      return done;
    };
  },
};
