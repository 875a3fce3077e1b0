import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { junitXml } from "./junit.ts";
import type { CellRecord, SuiteRecord } from "./suite-record.ts";

const HOSTILE = `<img src=x onerror=alert(1)> ]]> & "quoted" 'single' \u0001 \uD800 end`;

function cell(id: string, rest: Partial<CellRecord>): CellRecord {
  const [variant, workload, nemesis, seed] = id.split("/");
  return { id, variant, system: variant, workload, nemesis, seed: Number(seed), status: "done", durationS: 12.5, ...rest };
}

const record: SuiteRecord = {
  format: 1,
  suite: "cap",
  file: "/x/cap.yaml",
  shard: null,
  status: "finished",
  startedAt: "2026-12-06T00:00:00.000Z",
  updatedAt: "2026-12-06T00:10:00.000Z",
  store: "/nonexistent-store",
  matrixCells: 6,
  cells: [
    cell("raft/register/partition/1", {
      run: "raft-register-partition/20261206T000000",
      valid: false,
      finding: HOSTILE,
      claims: [
        { claim: "linearizable (register workload)", claimed: true, verdict: "refuted", decidedBy: "linearizability checker", evidence: `key 3 read ${HOSTILE}` },
        { claim: "CP: consistent under partition", claimed: true, verdict: "unknown", decidedBy: "availability by partition side", evidence: "no client op on the majority side" },
      ],
    }),
    cell("redis-sentinel/set/partition/1", {
      run: "redis-sentinel-set-partition/20261206T000100",
      valid: false,
      claims: [
        { claim: "no add lost once acknowledged or read", claimed: false, verdict: "refuted", decidedBy: "set checker", evidence: "1,229 of 4,331 acknowledged adds lost" },
        { claim: "AP: every side serving under partition", claimed: true, verdict: "held", decidedBy: "availability by partition side", evidence: "majority 99%, minority 97%" },
      ],
    }),
    cell("etcd/register/partition/1", { status: "error", error: `--runtime docker: cannot reach the engine ${HOSTILE}` }),
    cell("zookeeper/register/partition/1", { status: "interrupted", run: "zookeeper-register-partition/20261206T000300" }),
  ],
  skipped: [{ id: "postgres/register/partition/1", variant: "postgres", system: "postgres", workload: "register", nemesis: "partition", seed: 1, reason: "postgres has no client for the register workload" }],
  counts: { valid: 0, invalid: 2, unknown: 0, error: 1, pending: 1 },
  verdict: false,
};

interface Case {
  "@_name": string;
  "@_classname": string;
  failure?: { "@_message": string; "#text"?: string };
  error?: { "@_message": string };
  skipped?: { "@_message": string };
  "system-out"?: string;
}

function parse(xml: string) {
  expect(XMLValidator.validate(xml)).toBe(true);
  const parser = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === "testsuite" || name === "testcase" });
  return parser.parse(xml) as { testsuites: { "@_tests": string; "@_failures": string; "@_errors": string; "@_skipped": string; testsuite: { "@_name": string; testcase: Case[] }[] } };
}

describe("JUnit XML", () => {
  const xml = junitXml(record, "/nonexistent-store/suites/cap/20261206T000000");
  const doc = parse(xml);
  const cases = doc.testsuites.testsuite.flatMap((s) => s.testcase);
  const byName = (suite: string, name: string) => doc.testsuites.testsuite.find((s) => s["@_name"].includes(suite))?.testcase.find((c) => c["@_name"].startsWith(name)) as Case;

  it("is XML a JUnit parser accepts, with totals that match its cases", () => {
    expect(Number(doc.testsuites["@_tests"])).toBe(cases.length);
    expect(Number(doc.testsuites["@_failures"])).toBe(cases.filter((c) => c.failure).length);
    expect(Number(doc.testsuites["@_errors"])).toBe(1);
    expect(Number(doc.testsuites["@_skipped"])).toBe(cases.filter((c) => c.skipped !== undefined).length);
  });

  it("a refuted claim the system makes is a failure, with the evidence", () => {
    const failed = byName("raft/register", "linearizable");
    expect(failed.failure?.["@_message"]).toContain("refuted: key 3 read <img src=x onerror=alert(1)>");
    expect(cases.filter((c) => c.failure)).toHaveLength(1);
  });

  it("a refuted claim it does not make passes as expected, the evidence in system-out", () => {
    const expected = byName("redis-sentinel", "no add lost once acknowledged or read");
    expect(expected["@_name"]).toBe("no add lost once acknowledged or read (not claimed)");
    expect(expected.failure).toBeUndefined();
    expect(expected.skipped).toBeUndefined();
    expect(expected["system-out"]).toMatch(/^expected: the system does not claim this/);
    expect(expected["system-out"]).toContain("1,229 of 4,331 acknowledged adds lost");
    expect(byName("redis-sentinel", "AP:").failure).toBeUndefined();
  });

  it("unknown claims, interrupted runs and unsupported combinations are skipped with the reason; a run that could not run is an error", () => {
    expect(byName("raft/register", "CP:").skipped?.["@_message"]).toMatch(/^unknown: no client op/);
    expect(byName("zookeeper", "run").skipped?.["@_message"]).toMatch(/interrupted.*--resume/);
    expect(byName("unsupported", "run").skipped?.["@_message"]).toMatch(/no client for the register workload/);
    expect(byName("etcd", "run").error?.["@_message"]).toContain("cannot reach the engine");
  });

  it("carries hostile text escaped, and characters XML cannot hold as U+FFFD", () => {
    expect(xml).not.toContain("<img");
    expect(xml).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(xml).not.toMatch(/[\u0001]/);
    expect(xml).toContain("\uFFFD end");
  });

  it("names each case by suite, system, workload, nemesis and seed", () => {
    expect(byName("raft/register", "linearizable")["@_classname"]).toBe("cap.raft.register.partition.seed-1");
  });
});
