// Reads Jepsen's history.edn: op maps one after another (usually one per line) or a single
// vector of op maps. Keywords become strings: {:type :invoke, :f :read, :process 3} reads as
// {type: "invoke", f: "read", process: 3}.

import type { Op, Process } from "../op.ts";
import { EdnReader, EdnSyntaxError, type EdnValue, ednToPlain } from "./edn.ts";
import { checkUniqueIndexes, show, toFiniteNumber, toKey, toOpType, toProcess } from "./op-fields.ts";
import { HistoryParseError, type ParsedHistory } from "./parse-error.ts";

interface Form {
  value: EdnValue;
  line: number;
}

/** Gaps the file leaves are filled as Elle's hand-written examples expect:
 *  - no :index → the op's position in the file;
 *  - no :time → the op's index (file order is real-time order, and indexes follow it);
 *  - no :f → "txn" when the value is a vector of micro-ops like [:append 3 1];
 *  - no :process → a fresh process id per invoke (above every id in the file); a completion
 *    without :process closes the most recently opened of those invokes that is still open. */
export function parseEdnHistory(text: string, file: string): ParsedHistory {
  const forms = readForms(text, file);
  const maps = forms.map(({ value, line }) => {
    if (!(value instanceof Map)) throw new HistoryParseError(file, line, `expected an op map {:type … :f … :value …}, found ${show(ednToPlain(value))}`);
    return { fields: value, line };
  });

  let nextSynthetic = 0;
  for (const { fields } of maps) {
    const process = fields.get("process");
    if (typeof process === "number" && process >= nextSynthetic) nextSynthetic = Math.floor(process) + 1;
  }
  const openSynthetic: Process[] = [];

  const ops: Op[] = [];
  const lines: number[] = [];
  for (const { fields, line } of maps) {
    const position = ops.length;
    const type = toOpType(fields.get("type"), file, line);

    let process: Process;
    if (fields.has("process")) {
      process = toProcess(ednToPlain(fields.get("process") ?? null), file, line);
    } else if (type === "invoke") {
      process = nextSynthetic++;
      openSynthetic.push(process);
    } else {
      const open = openSynthetic.pop();
      if (open === undefined) {
        throw new HistoryParseError(file, line, `this ${type} has no :process and no earlier invoke without :process is still open; add :process to pair it`);
      }
      process = open;
    }

    const value = fields.has("value") ? (fields.get("value") ?? null) : null;
    let f: string;
    const rawF = fields.get("f");
    if (typeof rawF === "string") f = rawF;
    else if (rawF === undefined && isMicroOpVector(value)) f = "txn";
    else if (rawF === undefined) throw new HistoryParseError(file, line, "op has no :f and its :value is not a vector of micro-ops, so its function is unknown; add :f");
    else throw new HistoryParseError(file, line, `:f ${show(ednToPlain(rawF))} is not a keyword`);

    const index = fields.has("index") ? toFiniteNumber(fields.get("index"), ":index", file, line) : position;
    const op: Op = {
      index,
      time: fields.has("time") ? toFiniteNumber(fields.get("time"), ":time", file, line) : index,
      process,
      type,
      f,
      value: ednToPlain(value),
    };
    if (fields.has("key")) op.key = toKey(ednToPlain(fields.get("key") ?? null), file, line);
    const node = fields.get("node");
    if (node !== undefined && node !== null) op.node = String(ednToPlain(node));
    const error = fields.get("error");
    if (error !== undefined && error !== null) op.error = typeof error === "string" ? error : JSON.stringify(ednToPlain(error));
    ops.push(op);
    lines.push(line);
  }
  checkUniqueIndexes(ops, lines, file);
  return { ops, warnings: [] };
}

/** Top-level forms, each with its line; a file that is one vector of ops yields its elements. */
function readForms(text: string, file: string): Form[] {
  const reader = new EdnReader(text);
  const forms: Form[] = [];
  try {
    if (reader.skipSpace() && reader.peek() === "[") {
      reader.expect("[");
      for (;;) {
        reader.skipSpace();
        const line = reader.line;
        const value = reader.readElement("]");
        if (typeof value === "symbol") break;
        forms.push({ value, line });
      }
      if (reader.skipSpace()) throw reader.error("unexpected content after the vector of ops");
      return forms;
    }
    for (;;) {
      if (!reader.skipSpace()) return forms;
      const line = reader.line;
      const value = reader.readForm();
      if (typeof value === "symbol") return forms;
      forms.push({ value, line });
    }
  } catch (err) {
    if (err instanceof EdnSyntaxError) throw new HistoryParseError(file, err.line, err.reason);
    throw err;
  }
}

function isMicroOpVector(value: EdnValue): boolean {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((micro) => Array.isArray(micro) && micro.length > 0 && typeof micro[0] === "string")
  );
}
