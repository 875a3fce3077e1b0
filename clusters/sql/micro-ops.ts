// Elle's transactions as the list-append and rw-register workloads write them:
// [[f, key, value], …] with f the write ("append" or "w") or the read "r" (value null). Keys and
// values are integers (workloads/list-append.ts); they are stored in int columns, so anything
// outside int4 is refused before anything is sent.

export type MicroOp = [f: string, key: number, value: number | null];

const INT4_MIN = -(2 ** 31);
const INT4_MAX = 2 ** 31 - 1;

/** Fits an int column. */
export function isInt4(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= INT4_MIN && value <= INT4_MAX;
}

/** The op's micro-ops, checked; or what is wrong with the first bad one. */
export function parseMicroOps(value: unknown, writeF: string, workload: string): MicroOp[] | string {
  if (!Array.isArray(value)) return `${workload}: a txn's value must be a list of [f, key, value] micro-ops, got ${JSON.stringify(value)}`;
  const mops: MicroOp[] = [];
  for (const [index, mop] of (value as unknown[]).entries()) {
    const where = `${workload}: micro-op ${index} ${JSON.stringify(mop)}`;
    if (!Array.isArray(mop) || mop.length !== 3) return `${where} is not [f, key, value]`;
    const [f, key, argument] = mop as unknown[];
    if (f !== "r" && f !== writeF) return `${where}: f must be "r" or "${writeF}"`;
    if (!isInt4(key)) return `${where}: the key must be an integer within int4`;
    if (f === "r") {
      mops.push(["r", key, null]);
      continue;
    }
    if (!isInt4(argument)) return `${where}: the value must be an integer within int4`;
    mops.push([f, key, argument]);
  }
  return mops;
}
