// Reads Faultline's own history format: one JSON Op (harness/op.ts) per line.

import type { Op } from "../op.ts";
import { checkUniqueIndexes, show, toFiniteNumber, toKey, toOpType, toProcess } from "./op-fields.ts";
import { HistoryParseError, type ParsedHistory } from "./parse-error.ts";

/** Blank lines are skipped. A missing `index` becomes the op's position in the file and a missing
 *  `time` its index, which keeps hand-written test histories short; recorded histories always
 *  carry both. */
export function parseJsonlHistory(text: string, file: string): ParsedHistory {
  const ops: Op[] = [];
  const lines: number[] = [];
  const rows = text.split("\n");
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i].trim();
    if (row === "") continue;
    const line = i + 1;
    let raw: unknown;
    try {
      raw = JSON.parse(row);
    } catch (err) {
      throw new HistoryParseError(file, line, `not valid JSON (${(err as Error).message}); expected one op object per line`);
    }
    ops.push(toOp(raw, ops.length, file, line));
    lines.push(line);
  }
  checkUniqueIndexes(ops, lines, file);
  return { ops, warnings: [] };
}

function toOp(raw: unknown, position: number, file: string, line: number): Op {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new HistoryParseError(file, line, `expected an op object, found ${show(raw)}`);
  }
  const fields = raw as Record<string, unknown>;
  if (typeof fields.f !== "string") throw new HistoryParseError(file, line, `op field "f" ${show(fields.f)} is not a string`);
  const index = fields.index === undefined ? position : toFiniteNumber(fields.index, "index", file, line);
  const op: Op = {
    index,
    time: fields.time === undefined ? index : toFiniteNumber(fields.time, "time", file, line),
    process: toProcess(fields.process, file, line),
    type: toOpType(fields.type, file, line),
    f: fields.f,
    value: fields.value === undefined ? null : fields.value,
  };
  if (fields.key !== undefined) op.key = toKey(fields.key, file, line);
  if (fields.node !== undefined) op.node = String(fields.node);
  if (fields.error !== undefined) op.error = typeof fields.error === "string" ? fields.error : JSON.stringify(fields.error);
  return op;
}
