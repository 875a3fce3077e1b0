// rw-register over one row per key: registers(k int primary key, v int).
//
//   ["w", k, x]     insert into registers values (k, x) on conflict (k) do update set v = x
//   ["r", k, null]  select v from registers where k = k   → ["r", k, x] (null if no row)

import type { Invocation } from "../../harness/op.ts";
import { parseMicroOps } from "./micro-ops.ts";
import type { PostgresPlanner, TransactionBody } from "./transaction.ts";

const WRITE = "insert into registers (k, v) values ($1::int, $2::int) on conflict (k) do update set v = excluded.v";
const READ = "select v from registers where k = $1::int";

export const rwRegisterPlanner: PostgresPlanner = {
  plan(op: Invocation): TransactionBody | string {
    if (op.f !== "txn") return `rw-register: unknown op f=${JSON.stringify(op.f)}; the workload sends only "txn"`;
    const mops = parseMicroOps(op.value, "w", "rw-register");
    if (typeof mops === "string") return mops;
    return async (statement) => {
      const done: [string, number, number | null][] = [];
      for (const [f, key, value] of mops) {
        if (f === "w") {
          await statement(WRITE, [key, value]);
          done.push([f, key, value]);
          continue;
        }
        const rows = await statement(READ, [key]);
        done.push(["r", key, rows.length === 0 ? null : (rows[0].v as number | null)]);
      }
      return done;
    };
  },
};
