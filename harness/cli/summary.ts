// A plain-text summary of a results object for the terminal: the verdict first, then each
// checker's verdict and its most telling fields, each on one line.

import type { CheckResult, Validity } from "../../checkers/checker.ts";

const MAX_LINE = 200;

export function verdictWord(valid: Validity): string {
  return valid === true ? "VALID" : valid === false ? "INVALID" : "UNKNOWN";
}

export function printSummary(out: NodeJS.WritableStream, results: CheckResult, opts: { title?: string } = {}): void {
  const lines: string[] = [];
  if (opts.title) lines.push(opts.title);
  lines.push(`verdict: ${verdictWord(results.valid)}`);
  describe(results, "  ", lines, 0);
  out.write(lines.join("\n") + "\n");
}

function describe(result: Record<string, unknown>, indent: string, lines: string[], depth: number): void {
  for (const [field, value] of Object.entries(result)) {
    if (field === "valid") continue;
    if (isResult(value) && depth < 2) {
      lines.push(`${indent}${field}: ${verdictWord(value.valid)}`);
      describe(value, indent + "  ", lines, depth + 1);
      continue;
    }
    const text = brief(value);
    if (text !== undefined) lines.push(clip(`${indent}${field}: ${text}`));
  }
}

function isResult(value: unknown): value is CheckResult {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "valid" in value;
}

/** One line for a field, or undefined when there is nothing worth saying (empty lists, zeroes). */
function brief(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    const shown = JSON.stringify(value.slice(0, 5));
    return value.length > 5 ? `${value.length} items, first 5: ${shown}` : shown;
  }
  if (typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 0) return undefined;
    return JSON.stringify(value);
  }
  return String(value);
}

function clip(line: string): string {
  return line.length > MAX_LINE ? line.slice(0, MAX_LINE - 1) + "…" : line;
}
