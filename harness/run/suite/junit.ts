// JUnit XML for a suite, in the shape CI systems read (Surefire's): one <testsuite> per run, one
// <testcase> per claim the run judged.
//
//   held                              passes, the evidence in <system-out>
//   refuted, and the system claims it a <failure> with the evidence
//   refuted, but not claimed          passes: expected (an AP system losing writes); the evidence
//                                     and the word "expected" in <system-out>
//   unknown / not tested              <skipped> with the reason: nothing was shown either way
//   a run the harness could not run   one <error> testcase
//   a combination the system lacks    one <skipped> testcase saying why
//
// Every string from a system under test may hold anything: text is escaped, and characters XML
// cannot carry at all (control characters, lone surrogates) become U+FFFD.

import { nemesisSlug } from "./matrix.ts";
import type { CellRecord, SuiteRecord } from "./suite-record.ts";
import { cellRunDir } from "./suite-record.ts";
import type { ClaimJudgement } from "../../store/results.ts";

interface Case {
  name: string;
  classname: string;
  timeS: number;
  outcome: { kind: "pass" } | { kind: "failure" | "error" | "skipped"; message: string; type: string; body?: string };
  out?: string;
}

// Exactly the characters XML 1.0 cannot carry, escaped or not.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function xmlText(text: unknown): string {
  return String(text)
    .replace(NOT_XML, "\uFFFD")
    .replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c] as string);
}

function xmlAttr(text: unknown): string {
  return xmlText(text).replace(/"/g, "&quot;").replace(/'/g, "&apos;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}

function classOf(suite: string, cell: { variant: string; workload: string; nemesis: string; seed: number }): string {
  return `${suite}.${cell.variant}.${cell.workload}.${nemesisSlug(cell.nemesis)}.seed-${cell.seed}`;
}

function claimCase(claim: ClaimJudgement, classname: string, timeS: number, context: string): Case {
  const said = `${claim.claim}: ${claim.verdict}${claim.decidedBy ? ` (decided by the ${claim.decidedBy})` : ""}\n${claim.evidence}\n${context}`;
  if (claim.verdict === "held") return { name: claim.claim, classname, timeS, outcome: { kind: "pass" }, out: said };
  if (claim.verdict === "refuted") {
    if (claim.claimed === false) {
      return { name: `${claim.claim} (not claimed)`, classname, timeS, outcome: { kind: "pass" }, out: `expected: the system does not claim this, and the run refuted it.\n${said}` };
    }
    return { name: claim.claim, classname, timeS, outcome: { kind: "failure", type: "refuted", message: `refuted: ${claim.evidence}`, body: said } };
  }
  const name = claim.claimed === false ? `${claim.claim} (not claimed)` : claim.claim;
  return { name, classname, timeS, outcome: { kind: "skipped", type: claim.verdict, message: `${claim.verdict}: ${claim.evidence}` }, out: said };
}

function cellCases(suite: string, cell: CellRecord, report: string | undefined): Case[] {
  const classname = classOf(suite, cell);
  const timeS = cell.durationS ?? 0;
  const context = [`run: ${cell.run ?? "(none)"}`, report ? `report: ${report}` : "", cell.finding ? `finding: ${cell.finding}` : "", `verdict: ${String(cell.valid ?? "none")}`].filter(Boolean).join("\n");
  if (cell.status === "error") return [{ name: "run", classname, timeS, outcome: { kind: "error", type: "harness", message: cell.error ?? "the run failed", body: context } }];
  if (cell.status !== "done") {
    return [{ name: "run", classname, timeS, outcome: { kind: "skipped", type: cell.status, message: cell.status === "interrupted" ? "interrupted before it finished; --resume runs it again" : "not run (the suite stopped first); --resume runs it" } }];
  }
  const claims = cell.claims ?? [];
  if (claims.length === 0) {
    const valid = cell.valid;
    const outcome: Case["outcome"] =
      valid === true ? { kind: "pass" } : valid === false ? { kind: "failure", type: "invalid", message: cell.finding ?? "the checker found the history invalid", body: context } : { kind: "skipped", type: "unknown", message: "the verdict is unknown" };
    return [{ name: "verdict", classname, timeS, outcome, out: context }];
  }
  // The run's time is counted once, on its first case.
  return claims.map((claim, i) => claimCase(claim, classname, i === 0 ? timeS : 0, context));
}

function renderCase(c: Case): string {
  const head = `<testcase name="${xmlAttr(c.name)}" classname="${xmlAttr(c.classname)}" time="${c.timeS.toFixed(3)}"`;
  const out = c.out ? `<system-out>${xmlText(c.out)}</system-out>` : "";
  if (c.outcome.kind === "pass") return `    ${head}>${out}</testcase>`;
  const { kind, message, type, body } = c.outcome;
  const element = kind === "skipped" ? `<skipped message="${xmlAttr(message)}"/>` : `<${kind} message="${xmlAttr(message)}" type="${xmlAttr(type)}">${xmlText(body ?? message)}</${kind}>`;
  return `    ${head}>${element}${out}</testcase>`;
}

function renderSuite(name: string, cases: Case[], timestamp: string | undefined, properties: Record<string, string>): string {
  const count = (kind: string) => cases.filter((c) => c.outcome.kind === kind).length;
  const timeS = cases.reduce((sum, c) => sum + c.timeS, 0);
  const props = Object.entries(properties)
    .map(([k, v]) => `<property name="${xmlAttr(k)}" value="${xmlAttr(v)}"/>`)
    .join("");
  return [
    `  <testsuite name="${xmlAttr(name)}" tests="${cases.length}" failures="${count("failure")}" errors="${count("error")}" skipped="${count("skipped")}" time="${timeS.toFixed(3)}"${timestamp ? ` timestamp="${xmlAttr(timestamp.replace(/\.\d+Z$/, ""))}"` : ""}>`,
    props ? `    <properties>${props}</properties>` : "",
    ...cases.map(renderCase),
    "  </testsuite>",
  ]
    .filter(Boolean)
    .join("\n");
}

/** The suite's JUnit XML; `suiteDir` lets each run's report path be named absolutely. */
export function junitXml(record: SuiteRecord, suiteDir: string): string {
  const suites: string[] = [];
  const all: Case[] = [];
  for (const cell of record.cells) {
    const runDir = cellRunDir(suiteDir, record, cell);
    const report = runDir ? `${runDir}/report.html` : undefined;
    const cases = cellCases(record.suite, cell, report);
    all.push(...cases);
    suites.push(renderSuite(`${record.suite}: ${cell.id}`, cases, cell.finishedAt, { system: cell.system, workload: cell.workload, nemesis: cell.nemesis, seed: String(cell.seed), ...(cell.run ? { run: cell.run } : {}), ...(report ? { report } : {}) }));
  }
  if (record.skipped.length > 0) {
    const cases: Case[] = record.skipped.map((cell) => ({ name: "run", classname: classOf(record.suite, cell), timeS: 0, outcome: { kind: "skipped", type: "unsupported", message: `skipped: ${cell.reason}` } }));
    all.push(...cases);
    suites.push(renderSuite(`${record.suite}: unsupported combinations`, cases, undefined, {}));
  }
  const count = (kind: string) => all.filter((c) => c.outcome.kind === kind).length;
  const timeS = all.reduce((sum, c) => sum + c.timeS, 0);
  const shard = record.shard ? ` (shard ${record.shard.index}/${record.shard.count})` : "";
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${xmlAttr(`faultline suite ${record.suite}${shard}`)}" tests="${all.length}" failures="${count("failure")}" errors="${count("error")}" skipped="${count("skipped")}" time="${timeS.toFixed(3)}">`,
    ...suites,
    `</testsuites>`,
    "",
  ].join("\n");
}
