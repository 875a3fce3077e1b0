// rw-register over one row per key (dialect.ts: registers):
//
//   ["w", k, x]     the dialect's upsert of (k, x)
//   ["r", k, null]  the row's value → ["r", k, x] (null if no row)

import type { Invocation } from "../../harness/op.ts";
import type { SqlDialect } from "./dialect.ts";
import { parseMicroOps } from "./micro-ops.ts";
import type { SqlPlan, SqlPlanner } from "./transaction-body.ts";

export function rwRegisterPlanner(dialect: SqlDialect): SqlPlanner {
  return {
    plan(op: Invocation): SqlPlan | string {
      if (op.f !== "txn") return `rw-register: unknown op f=${JSON.stringify(op.f)}; the workload sends only "txn"`;
      const mops = parseMicroOps(op.value, "w", "rw-register");
      if (typeof mops === "string") return mops;
      const body: SqlPlan["body"] = async (statement) => {
        const done: [string, number, number | null][] = [];
        for (const [f, key, value] of mops) {
          if (f === "w") {
            await statement(dialect.writeRegister, [key, value]);
            done.push([f, key, value]);
            continue;
          }
          const { rows } = await statement(dialect.readRegister, [key]);
          done.push(["r", key, rows.length === 0 ? null : (rows[0].v as number | null)]);
        }
        return done;
      };
      return { body, readOnly: mops.every(([f]) => f === "r") };
    },
  };
}
