// set over elements(e), one row per element added (Jepsen's set-full over a table):
//
//   add x      insert x
//   read       every element → [x, …] in ascending order

import type { Invocation } from "../../harness/op.ts";
import type { SqlDialect } from "./dialect.ts";
import { isInt4 } from "./micro-ops.ts";
import type { SqlPlan, SqlPlanner } from "./transaction-body.ts";

export function setPlanner(dialect: SqlDialect): SqlPlanner {
  return {
    plan(op: Invocation): SqlPlan | string {
      if (op.f === "read") {
        const body: SqlPlan["body"] = async (statement) => (await statement(dialect.readElements)).rows.map((row) => Number(row.e));
        return { body, readOnly: true };
      }
      if (op.f !== "add") return `set: unknown op f=${JSON.stringify(op.f)}; expected "add" or "read"`;
      const element = op.value;
      if (!isInt4(element)) return `set: an added element must be an integer within int4, got ${JSON.stringify(element)}`;
      const body: SqlPlan["body"] = async (statement) => {
        await statement(dialect.addElement, [element]);
        return undefined;
      };
      return { body, readOnly: false };
    },
  };
}
