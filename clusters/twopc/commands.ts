// The client protocol of a twopc node, one RESP command:
//   TXN op key [arg] [op key [arg] …]     ops: GET key | SETNX key value | ADD key delta | SUB key amount
// run as one transaction coordinated by the node the client talks to. Answers:
//   an array            committed: the values of its GETs, in order (null for a missing key)
//   -REFUSED txn why    aborted because a participant's business rule said no (a missing key,
//                       insufficient funds): definite, and the system's own answer
//   -ABORTED txn why    aborted (a vote no, a lock it could not get, a participant that did not
//                       answer): definite by the coordinator's decision
//   -UNKNOWN why        the node stopped before deciding: it may still commit
//   -ERR …              a malformed command: nothing was done

import type { TxnOp } from "./core/types.ts";

const ARITY: Record<TxnOp["kind"], number> = { get: 1, setnx: 2, add: 2, sub: 2 };
/** Bounds a transaction's size: a client's request, not a bulk load. */
export const MAX_OPS = 1024;

/** The ops of a TXN command's arguments, or what is wrong with them. */
export function parseTxn(args: readonly string[]): TxnOp[] | string {
  const ops: TxnOp[] = [];
  for (let i = 0; i < args.length; ) {
    const kind = args[i].toLowerCase() as TxnOp["kind"];
    if (!Object.hasOwn(ARITY, kind)) return `ERR TXN: unknown op '${args[i]}' at argument ${i + 1}; ops are GET key, SETNX key value, ADD key delta, SUB key amount`;
    const arity = ARITY[kind];
    if (i + arity >= args.length) return `ERR TXN: ${kind.toUpperCase()} at argument ${i + 1} needs ${arity === 1 ? "a key" : "a key and an integer"}`;
    const key = args[i + 1];
    if (key === "") return `ERR TXN: empty key at argument ${i + 2}`;
    if (kind === "get") ops.push({ kind, key });
    else {
      const text = args[i + 2];
      const number = /^-?\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
      if (!Number.isSafeInteger(number)) return `ERR TXN: ${kind.toUpperCase()} ${key} needs an integer, got '${text}'`;
      if (kind === "sub" && number < 0) return `ERR TXN: SUB ${key} needs a non-negative amount, got ${number}`;
      ops.push(kind === "setnx" ? { kind, key, value: number } : kind === "add" ? { kind, key, delta: number } : { kind, key, amount: number });
    }
    i += arity + 1;
  }
  if (ops.length === 0) return "ERR TXN needs at least one op: TXN GET key | SETNX key value | ADD key delta | SUB key amount …";
  if (ops.length > MAX_OPS) return `ERR TXN: ${ops.length} ops, more than the ${MAX_OPS} one transaction may hold`;
  return ops;
}

/** The TXN command's arguments for `ops` (what a client sends). */
export function txnArgs(ops: readonly TxnOp[]): string[] {
  return ops.flatMap((op) => {
    switch (op.kind) {
      case "get":
        return ["GET", op.key];
      case "setnx":
        return ["SETNX", op.key, String(op.value)];
      case "add":
        return ["ADD", op.key, String(op.delta)];
      case "sub":
        return ["SUB", op.key, String(op.amount)];
    }
  });
}
