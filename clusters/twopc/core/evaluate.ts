// What a transaction's ops do to one participant's store: the values its gets read, the writes it
// makes (redo) and what they overwrite (undo) — or the business rule that refuses it. Ops apply in
// order, each seeing the ones before it on the same key.

import type { TxnOp } from "./types.ts";

export type Evaluation =
  | { ok: true; values: Record<string, number | null>; redo: Record<string, number>; undo: Record<string, number | null> }
  | { ok: false; reason: string };

/** `read(key)`: the key's value in the store, undefined when absent. */
export function evaluate(ops: readonly TxnOp[], read: (key: string) => number | undefined): Evaluation {
  const values: Record<string, number | null> = {};
  const redo: Record<string, number> = {};
  const undo: Record<string, number | null> = {};
  const current = (key: string): number | undefined => (Object.hasOwn(redo, key) ? redo[key] : read(key));
  const write = (key: string, value: number) => {
    if (!Object.hasOwn(undo, key)) undo[key] = read(key) ?? null;
    redo[key] = value;
  };
  for (const op of ops) {
    const value = current(op.key);
    switch (op.kind) {
      case "get":
        values[op.key] = value ?? null;
        break;
      case "setnx":
        if (value === undefined) write(op.key, op.value);
        break;
      case "add":
        if (value === undefined) return { ok: false, reason: `key ${op.key} does not exist` };
        write(op.key, value + op.delta);
        break;
      case "sub":
        if (value === undefined) return { ok: false, reason: `key ${op.key} does not exist` };
        if (value < op.amount) return { ok: false, reason: `insufficient funds: ${op.key} holds ${value}, the transaction takes ${op.amount}` };
        write(op.key, value - op.amount);
        break;
    }
  }
  return { ok: true, values, redo, undo };
}

/** The lock each key needs: exclusive when any op writes it. */
export function lockModes(ops: readonly TxnOp[]): Map<string, "shared" | "exclusive"> {
  const modes = new Map<string, "shared" | "exclusive">();
  for (const op of ops) {
    if (op.kind !== "get") modes.set(op.key, "exclusive");
    else if (!modes.has(op.key)) modes.set(op.key, "shared");
  }
  return modes;
}
