// One entry point for every history format Faultline reads (DESIGN §5: `faultline check HISTORY
// [--format …]`), with the crash tolerance DESIGN §4.3 asks for: a history whose writer died
// mid-line is read up to its last whole line.

import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { ByteSource, lineShape } from "./byte-source.ts";
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

/** How much of a file's start format detection looks at. */
const DETECT_BYTES = 64 << 10;

/** Reads a history file, streaming: the file is never one string. Throws HistoryParseError
 *  (`FILE:LINE: reason`) on a malformed line. Synchronous: `faultline check` has nothing else to
 *  do meanwhile, and checkers need the history whole. */
export function readHistory(path: string | URL, opts: ReadHistoryOptions = {}): ParsedHistory {
  const name = path instanceof URL ? fileURLToPath(path) : path;
  const open = (limit?: number) => ByteSource.fromFile(name, limit);
  return parseSource(open, opts.format ?? detectFormat(name, head(open)), name);
}

/** Parses a whole history held in memory; `name` is what error messages call the file. */
export function parseHistoryText(text: string, format: HistoryFormat, name: string): ParsedHistory {
  const bytes = Buffer.from(text, "utf8");
  return parseSource((limit) => ByteSource.fromBuffer(bytes, limit), format, name);
}

function parseSource(open: (limit?: number) => ByteSource, format: HistoryFormat, name: string): ParsedHistory {
  const parse = PARSERS[format];
  if (parse === undefined) throw new Error(`unknown history format ${JSON.stringify(format)}; use one of ${HISTORY_FORMATS.join(", ")}`);
  const run = (limit?: number) => {
    const source = open(limit);
    try {
      return parse(source, name);
    } finally {
      source.close();
    }
  };
  try {
    return run();
  } catch (err) {
    if (!(err instanceof HistoryParseError)) throw err;
    // A writer that crashed mid-line leaves a last line without a newline: read up to it.
    const shape = lineShape(open);
    const torn = shape.size > 0 && !shape.endsWithNewline && err.line === shape.lines;
    if (!torn) throw err;
    let whole: ParsedHistory;
    try {
      whole = run(shape.lastLineStart);
    } catch {
      // The damage is not confined to the last line, so the original error is the real one.
      throw err;
    }
    whole.warnings.push(
      `${name}:${shape.lines}: last line is incomplete (no trailing newline) and unreadable (${err.reason}); ignored it, as a writer that crashed mid-line leaves it`,
    );
    return whole;
  }
}

/** The first bytes of a file as text, for format detection. */
function head(open: (limit?: number) => ByteSource): string {
  const source = open(DETECT_BYTES);
  try {
    return source.bytes.toString("utf8", 0, source.length);
  } finally {
    source.close();
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

const PARSERS: Record<HistoryFormat, (source: ByteSource, name: string) => ParsedHistory> = {
  jsonl: parseJsonlHistory,
  edn: parseEdnHistory,
  "jepsen-log": parseJepsenLog,
};
