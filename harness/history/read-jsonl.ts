// Reads Faultline's own history format: one JSON Op (harness/op.ts) per line, streamed from the
// file a chunk at a time (byte-source.ts): each line is decoded and parsed on its own.

import type { Op } from "../op.ts";
import type { ByteSource } from "./byte-source.ts";
import { checkUniqueIndexes, show, toFiniteNumber, toKey, toOpType, toProcess } from "./op-fields.ts";
import { HistoryParseError, type ParsedHistory } from "./parse-error.ts";

/** Blank lines are skipped. A missing `index` becomes the op's position in the file and a missing
 *  `time` its index, which keeps hand-written test histories short; recorded histories always
 *  carry both. */
export function parseJsonlHistory(source: ByteSource, file: string): ParsedHistory {
  const ops: Op[] = [];
  const lines: number[] = [];
  forEachLine(source, (row, line) => {
    if (row.trim() === "") return;
    let raw: unknown;
    try {
      raw = JSON.parse(row);
    } catch (err) {
      throw new HistoryParseError(file, line, `not valid JSON (${(err as Error).message}); expected one op object per line`);
    }
    ops.push(toOp(raw, ops.length, file, line));
    lines.push(line);
  });
  checkUniqueIndexes(ops, lines, file);
  return { ops, warnings: [] };
}

/** Calls `each` with every line of the source (without its newline), decoded as UTF-8, and its
 *  1-based number. Only one chunk of bytes is held at a time. */
export function forEachLine(source: ByteSource, each: (row: string, line: number) => void): void {
  let line = 0;
  let start = 0;
  for (;;) {
    const { bytes, length } = source;
    let newline = bytes.indexOf(10, start);
    while (newline !== -1 && newline < length) {
      each(bytes.toString("utf8", start, newline), ++line);
      start = newline + 1;
      newline = bytes.indexOf(10, start);
    }
    if (source.done) {
      if (start < length) each(bytes.toString("utf8", start, length), ++line);
      return;
    }
    source.refill(start);
    start = 0;
  }
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
  // Availability counts an answered fail as served: a history checked from its file must say so too.
  if (fields.answered === true) op.answered = true;
  return op;
}
