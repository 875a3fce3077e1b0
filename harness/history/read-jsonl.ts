// Reads Faultline's own history format: one JSON Op (harness/op.ts) per line, streamed from the
// file a chunk at a time (byte-source.ts). A line of op fields with simple values is read straight
// from the bytes into an Op (json-simple-values.ts); any other line is decoded and given to
// JSON.parse, which also words the error for a line that is not JSON.

import type { Op } from "../op.ts";
import type { ByteSource } from "./byte-source.ts";
import { FieldNames } from "./field-names.ts";
import { JsonSimpleValues, NOT_SIMPLE, NOT_SIMPLE_KEY } from "./json-simple-values.ts";
import { checkUniqueIndexes, show, toFiniteNumber, toKey, toOpType, toProcess } from "./op-fields.ts";
import { HistoryParseError, type ParsedHistory } from "./parse-error.ts";
import { ValuePool } from "./value-pool.ts";

const NEWLINE = 10;
const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const LBRACE = 123;
const RBRACE = 125;

/** Blank lines are skipped. A missing `index` becomes the op's position in the file and a missing
 *  `time` its index, which keeps hand-written test histories short; recorded histories always
 *  carry both. */
export function parseJsonlHistory(source: ByteSource, file: string): ParsedHistory {
  const ops: Op[] = [];
  const lines: number[] = [];
  const simple = new JsonSimpleValues(new ValuePool());
  let line = 0;
  let start = 0;
  for (;;) {
    const { bytes, length, done } = source;
    while (start < length) {
      const next = readSimpleLine(simple, bytes, start, length, done);
      if (next !== -1) {
        line++;
        ops.push(toOp(scratch, ops.length, file, line));
        lines.push(line);
        start = next;
        continue;
      }
      const newline = bytes.indexOf(NEWLINE, start);
      const stop = newline !== -1 && newline < length ? newline : done ? length : -1;
      // The line runs past this chunk: read the next one, then this line again.
      if (stop === -1) break;
      line++;
      const row = bytes.toString("utf8", start, stop);
      if (row.trim() !== "") {
        let raw: unknown;
        try {
          raw = JSON.parse(row);
        } catch (err) {
          throw new HistoryParseError(file, line, `not valid JSON (${(err as Error).message}); expected one op object per line`);
        }
        ops.push(toOp(raw, ops.length, file, line));
        lines.push(line);
      }
      start = stop + 1;
    }
    if (done) break;
    source.refill(start);
    start = 0;
  }
  checkUniqueIndexes(ops, lines, file);
  return { ops, warnings: [] };
}

/** The op fields the fast path knows, numbered for readSimpleLine's switch. */
const FIELD_NAMES = new FieldNames(["index", "time", "process", "type", "f", "value", "key", "node", "error", "answered"]);

/** An op line's fields as read by the fast path, before they are checked. */
interface OpFields {
  index: unknown;
  time: unknown;
  process: unknown;
  type: unknown;
  f: unknown;
  value: unknown;
  key: unknown;
  node: unknown;
  error: unknown;
  answered: unknown;
}

/** One OpFields, refilled for every line: it never outlives the op it describes. */
const scratch: OpFields = { index: undefined, time: undefined, process: undefined, type: undefined, f: undefined, value: undefined, key: undefined, node: undefined, error: undefined, answered: undefined };

/** Reads the line at `start` into `scratch` when it is one JSON object of op fields with simple
 *  values (a field given twice keeps its last value, as with JSON.parse), and returns where the
 *  next line starts. Otherwise it returns -1, and the line goes to JSON.parse. `done`: no bytes
 *  follow `end`, so the last line may end without a newline. */
function readSimpleLine(simple: JsonSimpleValues, bytes: Uint8Array, start: number, end: number, done: boolean): number {
  const fields = scratch;
  fields.index = fields.time = fields.process = fields.type = fields.f = fields.value = fields.key = fields.node = fields.error = fields.answered = undefined;
  simple.bytes = bytes;
  simple.pos = start;
  simple.end = end;
  if (simple.skipSpace() !== LBRACE) return -1;
  simple.pos++;
  if (simple.skipSpace() !== QUOTE) return -1;
  for (;;) {
    const id = simple.fieldKey(FIELD_NAMES);
    if (id === NOT_SIMPLE_KEY || simple.skipSpace() !== COLON) return -1;
    simple.pos++;
    simple.skipSpace();
    const value = simple.value();
    if (value === NOT_SIMPLE) return -1;
    switch (id) {
      case 0:
        fields.index = value;
        break;
      case 1:
        fields.time = value;
        break;
      case 2:
        fields.process = value;
        break;
      case 3:
        fields.type = value;
        break;
      case 4:
        fields.f = value;
        break;
      case 5:
        fields.value = value;
        break;
      case 6:
        fields.key = value;
        break;
      case 7:
        fields.node = value;
        break;
      case 8:
        fields.error = value;
        break;
      case 9:
        fields.answered = value;
        break;
      default:
        // A field the reader does not know: JSON.parse's object would carry it, and toOp ignore it.
        break;
    }
    const next = simple.skipSpace();
    simple.pos++;
    if (next === RBRACE) {
      const after = simple.skipSpace();
      if (after === NEWLINE) return simple.pos + 1;
      return after === -1 && done ? end : -1;
    }
    if (next !== COMMA || simple.skipSpace() !== QUOTE) return -1;
  }
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
  // raw is an OpFields from the fast path or whatever JSON.parse made of the line.
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
