// register (linearizable read / write / cas) on a single row per key (dialect.ts: registers):
//
//   read       the row's value → number (null if no row)
//   write x    the dialect's upsert of (k, x)
//   cas [a,b]  update the row to b where it holds a: one statement, atomic at every isolation level;
//              no row matched → fail, by the database's own answer (a missing key matches nothing)

import type { Invocation } from "../../harness/op.ts";
import type { SqlDialect } from "./dialect.ts";
import { isInt4 } from "./micro-ops.ts";
import { Refusal, type SqlPlan, type SqlPlanner } from "./transaction-body.ts";

export function registerPlanner(dialect: SqlDialect): SqlPlanner {
  return {
    plan(op: Invocation): SqlPlan | string {
      const key = op.key ?? 0;
      if (!isInt4(key)) return `register: the key must be an integer within int4, got ${JSON.stringify(op.key)}`;
      switch (op.f) {
        case "read": {
          const body: SqlPlan["body"] = async (statement) => {
            const { rows } = await statement(dialect.readRegister, [key]);
            return rows.length === 0 || rows[0].v === null ? null : Number(rows[0].v);
          };
          return { body, readOnly: true };
        }
        case "write": {
          const value = op.value;
          if (!isInt4(value)) return `register: write needs an integer within int4, got ${JSON.stringify(value)}`;
          const body: SqlPlan["body"] = async (statement) => {
            await statement(dialect.writeRegister, [key, value]);
            return undefined;
          };
          return { body, readOnly: false };
        }
        case "cas": {
          const pair = op.value;
          if (!Array.isArray(pair) || pair.length !== 2 || !isInt4(pair[0]) || !isInt4(pair[1])) {
            return `register: cas needs [expected, new] integers within int4, got ${JSON.stringify(pair)}`;
          }
          const [expected, next] = pair as [number, number];
          const body: SqlPlan["body"] = async (statement) => {
            const { affected } = await statement(dialect.casRegister, [next, key, expected]);
            if (affected === 0) throw new Refusal(`register: cas found key ${key} not holding ${expected}`);
            return undefined;
          };
          return { body, readOnly: false };
        }
        default:
          return `register: unknown op f=${JSON.stringify(op.f)}; expected read, write or cas`;
      }
    },
  };
}
