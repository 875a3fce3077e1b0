// Reads Jepsen's history.edn: op maps one after another (usually one per line) or a single
// vector of op maps. Keywords become strings: {:type :invoke, :f :read, :process 3} reads as
// {type: "invoke", f: "read", process: 3}.
//
// Streaming: the file comes in chunks (byte-source.ts) and each op map is read straight into an
// Op, its fields by name and its :value as plain data, with no EDN value tree in between.

import type { Op, Process } from "../op.ts";
import type { ByteSource } from "./byte-source.ts";
import { CLOSE, END, EdnReader, EdnSymbol, EdnSyntaxError, type EdnValue, NEED_MORE, describe } from "./edn.ts";
import { EdnSimpleValues, NOT_SIMPLE } from "./edn-simple-values.ts";
import { FieldNames } from "./field-names.ts";
import { checkUniqueIndexes, show, toFiniteNumber, toKey, toOpType, toProcess } from "./op-fields.ts";
import { HistoryParseError, type ParsedHistory } from "./parse-error.ts";
import { ValuePool } from "./value-pool.ts";

const SPACE = 32;
const HASH = 35;
const COMMA = 44;
const COLON = 58;
const LBRACKET = 91;
const RBRACKET = 93;
const UNDERSCORE = 95;
const LBRACE = 123;
const RBRACE = 125;

/** The op fields this reader knows, as bits, to catch a field given twice. */
const FIELD_BITS: Record<string, number> = { type: 1, f: 2, process: 4, value: 8, index: 16, time: 32, key: 64, node: 128, error: 256, answered: 512 };
/** The same fields for the fast path, numbered so that a field's bit is 1 << its number. */
const FIELD_NAMES = new FieldNames(Object.keys(FIELD_BITS).sort((a, b) => FIELD_BITS[a] - FIELD_BITS[b]));

/** An op map's fields as read, before they are checked. */
interface Fields {
  seen: number;
  type: unknown;
  f: unknown;
  process: unknown;
  value: unknown;
  /** Whether :value is a vector of micro-ops ([:append 3 1] …), for ops without :f. */
  microOps: boolean;
  index: unknown;
  time: unknown;
  key: unknown;
  node: unknown;
  error: unknown;
  answered: unknown;
}

/** Gaps the file leaves are filled as Elle's hand-written examples expect:
 *  - no :index → the op's position in the file;
 *  - no :time → the op's index (file order is real-time order, and indexes follow it);
 *  - no :f → "txn" when the value is a vector of micro-ops like [:append 3 1];
 *  - no :process → a fresh process id per invoke (above every id in the file); a completion
 *    without :process closes the most recently opened of those invokes that is still open. */
export function parseEdnHistory(source: ByteSource, file: string): ParsedHistory {
  const reader = new EdnReader(source.bytes, "plain", source.length);
  reader.final = source.done;
  const simple = new EdnSimpleValues(new ValuePool());
  const ops: Op[] = [];
  const lines: number[] = [];
  // Synthetic processes are numbered above every process in the file, known only at the end: ops
  // get their rank among synthetic invokes and are renumbered then.
  const synthetic: Op[] = [];
  const openSynthetic: Op[] = [];
  let syntheticInvokes = 0;
  let highestProcess = -1;

  let phase: "start" | "ops" | "vector" | "after vector" = "start";
  for (;;) {
    // Where the next form starts: after a refill it is read again from here.
    const mark = reader.pos;
    const markLine = reader.line;
    const markLineStart = reader.lineStart;
    let fields: Fields | typeof END | typeof CLOSE;
    let line = 0;
    try {
      if (phase === "start") {
        // A file that is one vector of ops yields its elements.
        phase = reader.skipSpace() && reader.peekByte() === LBRACKET ? "vector" : "ops";
        if (phase === "vector") reader.pos++;
        continue;
      }
      if (phase === "after vector") {
        if (reader.skipSpace()) throw reader.error("unexpected content after the vector of ops");
        break;
      }
      if (!reader.skipSpace()) {
        if (phase === "vector") throw reader.error("unexpected end of input inside a collection; expected ']'");
        break;
      }
      line = reader.line;
      // Most op maps are one line of simple values, read in one pass; any other is read in full.
      fields = phase === "ops" && reader.peekByte() === LBRACE && readSimpleFields(simple, reader) ? scratch : readOp(reader, phase === "vector", file, line);
    } catch (err) {
      if (err === NEED_MORE) {
        // The form runs past this chunk: keep it, read the next chunk, and read the form again.
        source.refill(mark);
        reader.reset(source.bytes, source.length, source.done, 0, markLine, markLineStart - mark);
        continue;
      }
      if (err instanceof EdnSyntaxError) {
        // An op map still open at the end of the file: the line it opened on is the one to fix.
        if (line !== 0 && line < err.line && err.reason.startsWith("unexpected end of input")) {
          throw new HistoryParseError(file, line, `this op is never closed: ${err.reason} (at line ${err.line}, the end of the file)`);
        }
        throw new HistoryParseError(file, err.line, err.reason);
      }
      throw err;
    }
    if (fields === CLOSE) {
      phase = "after vector";
      continue;
    }
    if (fields === END) break;

    const op = toOp(fields, ops.length, file, line);
    if ((fields.seen & FIELD_BITS.process) === 0) {
      if (op.type === "invoke") {
        op.process = syntheticInvokes++;
        openSynthetic.push(op);
      } else {
        const open = openSynthetic.pop();
        if (open === undefined) {
          throw new HistoryParseError(file, line, `this ${op.type} has no :process and no earlier invoke without :process is still open; add :process to pair it`);
        }
        op.process = open.process;
      }
      synthetic.push(op);
    } else if (typeof op.process === "number" && op.process > highestProcess) {
      highestProcess = op.process;
    }
    ops.push(op);
    lines.push(line);
  }

  const base = highestProcess + 1;
  for (const op of synthetic) op.process = (op.process as number) + base;
  checkUniqueIndexes(ops, lines, file);
  return { ops, warnings: [] };
}

/** Reads one op map (or a record #ns.Op{…}); END at the end of the input, CLOSE at the end of a
 *  vector of ops. */
function readOp(reader: EdnReader, inVector: boolean, file: string, line: number): Fields | typeof END | typeof CLOSE {
  for (;;) {
    const c = reader.peekByte();
    if (c === LBRACE) {
      reader.pos++;
      return readFields(reader);
    }
    if (inVector && c === RBRACKET) {
      reader.pos++;
      return CLOSE;
    }
    if (c === HASH && reader.pos + 1 < reader.end && reader.bytes[reader.pos + 1] === UNDERSCORE) {
      // #_ discards the next form; the op is whatever follows it.
      reader.pos += 2;
      if (reader.readForm() === END) throw reader.error("#_ must be followed by a form to discard");
      if (reader.skipSpace()) continue;
      if (inVector) throw reader.error("unexpected end of input inside a collection; expected ']'");
      return END;
    }
    if (c === HASH && reader.pos + 1 < reader.end) {
      // A record literal, #jepsen.history.Op{…}: its map is the op. Anything else after # is
      // read below as a value, which is not an op.
      const mark = reader.pos;
      reader.pos++;
      const tag = reader.readTag();
      if (tag.includes(".") && reader.skipSpace() && reader.peekByte() === LBRACE) {
        reader.pos++;
        return readFields(reader);
      }
      reader.pos = mark;
    }
    const value = inVector ? reader.readElement(RBRACKET, 0) : reader.readForm();
    if (value === END) return END;
    if (value === CLOSE) return CLOSE;
    throw new HistoryParseError(file, line, `expected an op map {:type … :f … :value …}, found ${show(plainOf(value))}`);
  }
}

/** One Fields, refilled for every op: it never outlives the op it describes. */
const scratch: Fields = { seen: 0, type: undefined, f: undefined, process: undefined, value: undefined, microOps: false, index: undefined, time: undefined, key: undefined, node: undefined, error: undefined, answered: undefined };

function clearFields(): Fields {
  const fields = scratch;
  fields.seen = 0;
  fields.microOps = false;
  fields.type = fields.f = fields.process = fields.value = fields.index = fields.time = fields.key = fields.node = fields.error = fields.answered = undefined;
  return fields;
}

/** Reads the op map at the cursor into `scratch` when it is one line of keys the reader knows,
 *  each given once, with simple values (edn-simple-values.ts), and moves past it. Otherwise it
 *  answers false and leaves the cursor where it was, for readOp to read the map in full. */
function readSimpleFields(simple: EdnSimpleValues, reader: EdnReader): boolean {
  const fields = clearFields();
  const bytes = reader.bytes;
  const end = reader.end;
  simple.bytes = bytes;
  simple.end = end;
  let pos = reader.pos + 1;
  for (;;) {
    while (pos < end && (bytes[pos] === SPACE || bytes[pos] === COMMA)) pos++;
    if (pos >= end) return false;
    const c = bytes[pos];
    if (c === RBRACE) {
      reader.pos = pos + 1;
      // Only an op without :f needs to know (toOp).
      if ((fields.seen & FIELD_BITS.f) === 0) fields.microOps = isMicroOpVector(fields.value);
      return true;
    }
    if (c !== COLON) return false;
    simple.pos = pos;
    const id = simple.fieldKeyword(FIELD_NAMES);
    if (id < 0) return false;
    const bit = 1 << id;
    if ((fields.seen & bit) !== 0) return false;
    fields.seen |= bit;
    pos = simple.pos;
    while (pos < end && (bytes[pos] === SPACE || bytes[pos] === COMMA)) pos++;
    simple.pos = pos;
    const value = simple.value();
    if (value === NOT_SIMPLE) return false;
    pos = simple.pos;
    switch (bit) {
      case 1:
        fields.type = value;
        break;
      case 2:
        fields.f = value;
        break;
      case 4:
        fields.process = value;
        break;
      case 8:
        fields.value = value;
        break;
      case 16:
        fields.index = value;
        break;
      case 32:
        fields.time = value;
        break;
      case 64:
        fields.key = value;
        break;
      case 128:
        fields.node = value;
        break;
      case 256:
        fields.error = value;
        break;
      case 512:
        fields.answered = value;
        break;
    }
  }
}

function readFields(reader: EdnReader): Fields {
  const fields = clearFields();
  let others: Set<unknown> | undefined;
  for (;;) {
    const key = reader.readElement(RBRACE, 0);
    if (key === CLOSE) return fields;
    const bit = typeof key === "string" ? (FIELD_BITS[key] ?? 0) : 0;
    if (bit === FIELD_BITS.value) reader.symbolHead = false;
    const value = reader.readElement(RBRACE, 0);
    if (value === CLOSE) throw reader.error(`map key ${describe(key as EdnValue)} has no value`);
    if (bit !== 0) {
      if ((fields.seen & bit) !== 0) throw reader.error(`duplicate map key ${describe(key as EdnValue)}`);
      fields.seen |= bit;
      switch (key) {
        case "type":
          fields.type = value;
          break;
        case "f":
          fields.f = value;
          break;
        case "process":
          fields.process = value;
          break;
        case "value":
          fields.value = value;
          fields.microOps = !reader.symbolHead && isMicroOpVector(value);
          break;
        case "index":
          fields.index = value;
          break;
        case "time":
          fields.time = value;
          break;
        case "key":
          fields.key = value;
          break;
        case "node":
          fields.node = value;
          break;
        case "error":
          fields.error = value;
          break;
        case "answered":
          fields.answered = value;
          break;
      }
    } else {
      others ??= new Set();
      if (others.has(key)) throw reader.error(`duplicate map key ${describe(key as EdnValue)}`);
      others.add(key);
    }
  }
}

function toOp(fields: Fields, position: number, file: string, line: number): Op {
  const type = toOpType(fields.type, file, line);
  // A missing :process is filled in by the caller.
  const process: Process = (fields.seen & FIELD_BITS.process) !== 0 ? toProcess(plainOf(fields.process ?? null), file, line) : 0;
  const value = (fields.seen & FIELD_BITS.value) !== 0 ? plainOf(fields.value ?? null) : null;
  let f: string;
  const rawF = fields.f;
  if (typeof rawF === "string") f = rawF;
  else if (rawF === undefined && fields.microOps) f = "txn";
  else if (rawF === undefined) throw new HistoryParseError(file, line, "op has no :f and its :value is not a vector of micro-ops, so its function is unknown; add :f");
  else throw new HistoryParseError(file, line, `:f ${show(plainOf(rawF))} is not a keyword`);

  const index = (fields.seen & FIELD_BITS.index) !== 0 ? toFiniteNumber(fields.index, ":index", file, line) : position;
  const op: Op = {
    index,
    time: (fields.seen & FIELD_BITS.time) !== 0 ? toFiniteNumber(fields.time, ":time", file, line) : index,
    process,
    type,
    f,
    value,
  };
  if ((fields.seen & FIELD_BITS.key) !== 0) op.key = toKey(plainOf(fields.key ?? null), file, line);
  const node = fields.node;
  if (node !== undefined && node !== null) op.node = String(plainOf(node));
  const error = fields.error;
  if (error !== undefined && error !== null) op.error = typeof error === "string" ? error : JSON.stringify(plainOf(error));
  // Availability counts an answered fail as served (harness/op.ts).
  if (fields.answered === true) op.answered = true;
  return op;
}

/** A field value as an Op holds it: the reader already built plain data, except that a symbol
 *  standing alone as the value stays an EdnSymbol (see edn.ts). */
function plainOf(value: unknown): unknown {
  return value instanceof EdnSymbol ? value.name : value;
}

function isMicroOpVector(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((micro) => Array.isArray(micro) && micro.length > 0 && typeof micro[0] === "string")
  );
}
