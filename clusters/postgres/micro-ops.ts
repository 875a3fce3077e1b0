// Elle's transactions as the list-append and rw-register workloads write them:
// [[f, key, value], …] with f the write ("append" or "w") or the read "r" (value null). Keys and
// values are integers (workloads/list-append.ts); they are stored in int columns, so anything
// outside int4 is refused before it reaches the server.

import { Refusal } from "./outcome.ts";

export type MicroOp = [f: string, key: number, value: number | null];

const INT4_MIN = -(2 ** 31);
const INT4_MAX = 2 ** 31 - 1;

/** Fits an int column. */
export function isInt4(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= INT4_MIN && value <= INT4_MAX;
}

/** The op's micro-ops, checked; throws Refusal naming the first bad one. */
export function parseMicroOps(value: unknown, writeF: string, workload: string): MicroOp[] {
  if (!Array.isArray(value)) throw new Refusal(`${workload}: a txn's value must be a list of [f, key, value] micro-ops, got ${JSON.stringify(value)}`);
  return value.map((mop: unknown, index) => {
    const where = `${workload}: micro-op ${index} ${JSON.stringify(mop)}`;
    if (!Array.isArray(mop) || mop.length !== 3) throw new Refusal(`${where} is not [f, key, value]`);
    const [f, key, argument] = mop as unknown[];
    if (f !== "r" && f !== writeF) throw new Refusal(`${where}: f must be "r" or "${writeF}"`);
    if (!isInt4(key)) throw new Refusal(`${where}: the key must be an integer within int4`);
    if (f === "r") return ["r", key, null];
    if (!isInt4(argument)) throw new Refusal(`${where}: the value must be an integer within int4`);
    return [f, key, argument];
  });
}
