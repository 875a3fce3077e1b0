// A plain-text summary of a results object for the terminal: the verdict first, then each
// checker's verdict and its most telling fields, each on one line.

import type { CheckResult, Validity } from "../../checkers/checker.ts";
import type { Availability, StatsResult } from "../../checkers/stats.ts";
import { claimInWords, firstFailureInWords, unknownInWords } from "../../reports/in-words.ts";
import type { ClaimJudgement } from "../store/results.ts";

const MAX_LINE = 200;

export function verdictWord(valid: Validity): string {
  return valid === true ? "VALID" : valid === false ? "INVALID" : "UNKNOWN";
}

export interface SummaryOptions {
  title?: string;
  /** Also every checker field, as before (arenas, phase timings, partitions …). */
  verbose?: boolean;
  /** Where the run's report is; printed last. */
  reportPath?: string;
}

/** The verdict, the first failure in words (or why it is unknown), each claim in a sentence,
 *  availability, and where the report is. Internals go to --verbose and --json. */
export function printSummary(out: NodeJS.WritableStream, results: CheckResult, opts: SummaryOptions = {}): void {
  const lines: string[] = [];
  if (opts.title) lines.push(opts.title);
  // A run's results hold the workload checker, availability and claims; a bare check's results
  // are the checker's own.
  const checked = isResult(results.workload) ? results.workload : results;
  lines.push(`verdict: ${verdictWord(results.valid)}`);
  if (results.valid === false) {
    const failure = firstFailureInWords(checked);
    if (failure) lines.push(...wrap(failure, "  "));
  } else if (results.valid === "unknown") {
    const reasons = unknownInWords(results);
    for (const reason of reasons.length ? reasons : ["the checker could not decide; see the report"]) lines.push(clip(`  why unknown: ${reason}`));
  }
  if (Array.isArray(results.claims) && results.claims.length > 0) {
    lines.push("claims:");
    for (const claim of results.claims as ClaimJudgement[]) lines.push(clip(`  ${claimInWords(claim)}`));
  }
  if (isResult(results.stats)) lines.push(...availabilityLines(results.stats as StatsResult));
  if (opts.verbose) {
    lines.push("details:");
    describe(checked, "  ", lines, 0);
  }
  if (opts.reportPath) lines.push(`report: ${opts.reportPath}`);
  out.write(lines.join("\n") + "\n");
}

function availabilityLines(stats: StatsResult): string[] {
  const share = (a: Availability | null | undefined) => (a && a.availability !== null ? `${(a.availability * 100).toFixed(1)}% of ${a.total}` : "–");
  const a = stats.availability;
  // Served counts a failure the system answered (a cas that did not match, a lock already held) as
  // well as ok: saying "ok" of that share misled (66.3% "ok" with 3 ok ops and 1,770 answered fails).
  const answered = a.answered > 0 ? `; ${a.answered} of the fails were the system's answer` : "";
  const lines = [`availability: ${share(a)} client ops served, ok or answered (${a.ok} ok, ${a.fail} fail, ${a.info} info)${answered}`];
  if (stats.faults.windows.length) {
    lines.push(`  outside faults ${share(stats.faults.outsideFaults)}, inside faults ${share(stats.faults.insideAnyFault)} (${stats.faults.windows.length} fault windows)`);
    const p = stats.faults.partitions;
    if (p) lines.push(`  during partitions: majority side ${share(p.majoritySide)}, minority side ${share(p.minoritySide)}`);
  }
  return lines;
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

/** A long sentence folded at word boundaries to the terminal's usual width, at most a few lines. */
function wrap(text: string, indent: string, width = 100, maxLines = 6): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of text.split(/\s+/)) {
    if (line.length + word.length + 1 > width && line.trim().length > 0) {
      lines.push(line.trimEnd());
      line = indent + "  ";
    }
    line += `${word} `;
  }
  if (line.trim().length > 0) lines.push(line.trimEnd());
  return lines.length > maxLines ? [...lines.slice(0, maxLines - 1), `${lines[maxLines - 1]} … (the rest in the report)`] : lines;
}

function clip(line: string): string {
  return line.length > MAX_LINE ? line.slice(0, MAX_LINE - 1) + "…" : line;
}
