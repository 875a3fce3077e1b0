// Validation shared by the history readers, so every format rejects the same bad ops with the
// same words.

import type { Op, OpType, Process } from "../op.ts";
import { HistoryParseError } from "./parse-error.ts";

const OP_TYPES: ReadonlySet<string> = new Set(["invoke", "ok", "fail", "info"]);

export function toOpType(value: unknown, file: string, line: number): OpType {
  if (typeof value === "string" && OP_TYPES.has(value)) return value as OpType;
  throw new HistoryParseError(file, line, `op type ${show(value)} is not one of invoke, ok, fail, info`);
}

export function toProcess(value: unknown, file: string, line: number): Process {
  if (value === "nemesis") return value;
  if (typeof value === "number" && Number.isInteger(value)) return value;
  throw new HistoryParseError(file, line, `process ${show(value)} is neither an integer nor "nemesis"`);
}

/** `index` and `time` must be finite numbers when present; absent, the reader supplies one. */
export function toFiniteNumber(value: unknown, field: string, file: string, line: number): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  throw new HistoryParseError(file, line, `${field} ${show(value)} is not a finite number`);
}

export function toKey(value: unknown, file: string, line: number): string | number {
  if (typeof value === "string" || (typeof value === "number" && Number.isFinite(value))) return value;
  throw new HistoryParseError(file, line, `key ${show(value)} is neither a string nor a number`);
}

/** Op indexes name ops in every report, so two ops must never share one. */
export function checkUniqueIndexes(ops: readonly Op[], lines: readonly number[], file: string): void {
  // Recorded histories number their ops in order: rising indexes are distinct without a map.
  let rising = true;
  for (let i = 1; i < ops.length && rising; i++) rising = ops[i].index > ops[i - 1].index;
  if (rising) return;
  const seen = new Map<number, number>();
  ops.forEach((op, i) => {
    const earlier = seen.get(op.index);
    if (earlier !== undefined) {
      throw new HistoryParseError(
        file,
        lines[i],
        `op index ${op.index} already used on line ${earlier}; give every op a distinct index or none at all`,
      );
    }
    seen.set(op.index, lines[i]);
  });
}

export function show(value: unknown): string {
  const text = value === undefined ? "(missing)" : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
