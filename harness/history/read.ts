// One entry point for every history format Faultline reads (DESIGN §5: `faultline check HISTORY
// [--format …]`), with the crash tolerance DESIGN §4.3 asks for: a history whose writer died
// mid-line is read up to its last whole line.

import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { HistoryParseError, type ParsedHistory } from "./parse-error.ts";
import { parseEdnHistory } from "./read-edn.ts";
import { looksLikeJepsenLog, parseJepsenLog } from "./read-jepsen-log.ts";
import { parseJsonlHistory } from "./read-jsonl.ts";

export type HistoryFormat = "jsonl" | "edn" | "jepsen-log";
export const HISTORY_FORMATS: readonly HistoryFormat[] = ["jsonl", "edn", "jepsen-log"];

export { HistoryParseError, type ParsedHistory } from "./parse-error.ts";

export interface ReadHistoryOptions {
  /** Skips detection. */
  format?: HistoryFormat;
}

/** Reads a history file. Throws HistoryParseError (`FILE:LINE: reason`) on a malformed line.
 *  Synchronous: `faultline check` has nothing else to do meanwhile, and checkers need it whole. */
export function readHistory(path: string | URL, opts: ReadHistoryOptions = {}): ParsedHistory {
  const name = path instanceof URL ? fileURLToPath(path) : path;
  const text = readFileSync(path, "utf8");
  return parseHistoryText(text, opts.format ?? detectFormat(name, text), name);
}

/** Parses a whole history held in memory; `name` is what error messages call the file. */
export function parseHistoryText(text: string, format: HistoryFormat, name: string): ParsedHistory {
  const parse = PARSERS[format];
  if (parse === undefined) throw new Error(`unknown history format ${JSON.stringify(format)}; use one of ${HISTORY_FORMATS.join(", ")}`);
  try {
    return parse(text, name);
  } catch (err) {
    const cut = text.lastIndexOf("\n");
    const lastLine = countLines(text);
    const torn = err instanceof HistoryParseError && text.length > 0 && !text.endsWith("\n") && err.line === lastLine;
    if (!torn) throw err;
    let whole: ParsedHistory;
    try {
      whole = parse(text.slice(0, cut + 1), name);
    } catch {
      // The damage is not confined to the last line, so the original error is the real one.
      throw err;
    }
    whole.warnings.push(
      `${name}:${lastLine}: last line is incomplete (no trailing newline) and unreadable (${err.reason}); ignored it, as a writer that crashed mid-line leaves it`,
    );
    return whole;
  }
}

/** By extension first, then by content. */
export function detectFormat(name: string, text: string): HistoryFormat {
  const extension = extname(name).toLowerCase();
  if (extension === ".jsonl" || extension === ".ndjson" || extension === ".json") return "jsonl";
  if (extension === ".edn") return "edn";
  if (extension === ".log") return "jepsen-log";
  const first = text.split("\n", 50).map((row) => row.trim()).find((row) => row !== "" && !row.startsWith(";"));
  if (first !== undefined && /^\{\s*"/.test(first)) return "jsonl";
  if (looksLikeJepsenLog(text)) return "jepsen-log";
  if (first !== undefined && /^[[{#]/.test(first)) return "edn";
  throw new Error(
    `${name}: cannot tell the history format from its name or its first lines; pass the format explicitly (${HISTORY_FORMATS.join(", ")})`,
  );
}

const PARSERS: Record<HistoryFormat, (text: string, name: string) => ParsedHistory> = {
  jsonl: parseJsonlHistory,
  edn: parseEdnHistory,
  "jepsen-log": parseJepsenLog,
};

function countLines(text: string): number {
  let lines = 1;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lines++;
  return lines;
}
