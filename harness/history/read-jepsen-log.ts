// Reads the op lines Jepsen's jepsen.util logger writes during a test, the format of the public
// etcd histories: `INFO  jepsen.util - 3\t:invoke\t:cas\t[1 2]`. Every other log line is skipped.

import type { Op } from "../op.ts";
import type { ByteSource } from "./byte-source.ts";
import { EdnSyntaxError, ednToPlain, parseEdn } from "./edn.ts";
import { HistoryParseError, type ParsedHistory } from "./parse-error.ts";
import { forEachLine } from "./read-jsonl.ts";

const OP_LINE = /\bjepsen\.util\s+-\s+(-?\d+|:nemesis)\s+:(invoke|ok|fail|info)\s+:?(\S+)(?:\s+(.*))?$/;

/** Whether any line of `text` is a Jepsen op line, for format detection. */
export function looksLikeJepsenLog(text: string): boolean {
  return text.split("\n", 200).some((row) => OP_LINE.test(row.trimEnd()));
}

/** The log carries no timestamps we can trust, so time is the op's position (line order is the
 *  order Jepsen saw the events in). Values are EDN (`nil`, `4`, `[1 2]`, `:timed-out`). */
export function parseJepsenLog(source: ByteSource, file: string): ParsedHistory {
  const ops: Op[] = [];
  forEachLine(source, (row, line) => {
    const match = OP_LINE.exec(row.trimEnd());
    if (match === null) return;
    const [, processText, type, f, valueText = ""] = match;
    const process = processText === ":nemesis" ? "nemesis" : Number(processText);
    let value: unknown = null;
    if (valueText.trim() !== "") {
      try {
        value = ednToPlain(parseEdn(valueText));
      } catch (err) {
        if (!(err instanceof EdnSyntaxError)) throw err;
        // Nemesis values are free-form descriptions ("Cut off {…}"); only client values must parse.
        if (process !== "nemesis") {
          throw new HistoryParseError(file, line, `op value ${JSON.stringify(valueText)} is not valid EDN: ${err.reason}`);
        }
        value = valueText.trim();
      }
    }
    const position = ops.length;
    ops.push({ index: position, time: position, process, type: type as Op["type"], f, value });
  });
  return { ops, warnings: [] };
}
