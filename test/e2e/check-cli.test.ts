// `faultline check` on the public fixtures: the verdicts other tools agree on, with the right
// exit codes; and bad input gets one line and exit 254.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES, faultline } from "../support/cli.ts";

const cases: [string, string[], number][] = [
  ["jepsen-etcd/etcd_000.log", ["--workload", "register", "--model", "cas-register"], 1],
  ["jepsen-etcd/etcd_002.log", ["--workload", "register", "--model", "cas-register"], 0],
  ["jepsen-etcd/etcd_005.log", ["--workload", "register", "--model", "cas-register"], 0],
  ["jepsen-etcd/etcd_006.log", ["--workload", "register", "--model", "cas-register"], 1],
  ["kv/c01-ok.edn", ["--workload", "register", "--model", "kv"], 0],
  ["kv/c10-ok.edn", ["--workload", "register", "--model", "kv"], 0],
  ["kv/c01-bad.edn", ["--workload", "register", "--model", "kv"], 1],
  ["kv/c10-bad.edn", ["--workload", "register", "--model", "kv"], 1],
];

describe("faultline check on the fixtures", () => {
  it.each(cases)("%s %s → exit %i", async (file, args, expected) => {
    const result = await faultline(["check", join(FIXTURES, file), ...args, "--json"]);
    expect(result.code, result.stderr).toBe(expected);
    const results = JSON.parse(result.stdout) as { valid: unknown; failures?: unknown[] };
    expect(results.valid).toBe(expected === 0);
    if (expected === 1) expect(results.failures?.length).toBeGreaterThan(0);
  });

  it("prints the first failure in words, not JSON, and the internals only with --verbose", async () => {
    const result = await faultline(["check", join(FIXTURES, "jepsen-etcd/etcd_000.log"), "--workload", "register", "--model", "cas-register"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/verdict: INVALID\n  the history is not linearizable: .*Op 84 \(process 11, read → 2\)/s);
    expect(result.stdout).not.toMatch(/[{[]"/);
    const verbose = await faultline(["check", join(FIXTURES, "jepsen-etcd/etcd_000.log"), "--workload", "register", "--model", "cas-register", "--verbose"]);
    expect(verbose.stdout).toMatch(/details:\n.*failures:/s);
  });

  it("an all-failed history is unknown with the reason, exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-check-unknown-"));
    const path = join(dir, "history.jsonl");
    const ops = [
      { index: 0, time: 0, process: 0, type: "invoke", f: "write", value: 1 },
      { index: 1, time: 5, process: 0, type: "fail", f: "write", value: 1, error: "no leader" },
      { index: 2, time: 6, process: 1, type: "invoke", f: "read", value: null },
      { index: 3, time: 9, process: 1, type: "info", f: "read", value: null, error: "timeout" },
    ];
    writeFileSync(path, ops.map((op) => JSON.stringify(op)).join("\n") + "\n");
    const result = await faultline(["check", path, "--workload", "register"]);
    rmSync(dir, { recursive: true, force: true });
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/verdict: UNKNOWN\n  why unknown: no write or read completed ok: nothing was checked/);
  });
});

describe("faultline check on the Elle fixtures", () => {
  it("paper example: G-single, not serializable, rules out snapshot isolation", async () => {
    const result = await faultline(["check", join(FIXTURES, "elle/paper-example.edn"), "--workload", "list-append", "--json"]);
    expect(result.code, result.stderr).toBe(1);
    const r = JSON.parse(result.stdout) as { anomalyTypes: string[]; not: string[]; alsoNot: string[]; anomalies: Record<string, { explanation: string }[]> };
    expect(r.anomalyTypes).toEqual(["G-single"]);
    expect([...r.not, ...r.alsoNot]).toEqual(expect.arrayContaining(["serializable", "snapshot-isolation"]));
    expect(r.anomalies["G-single"][0].explanation).toMatch(/255/);
  });

  it("SI without G-single: exactly G2-item; rules out repeatable read, not snapshot isolation", async () => {
    const result = await faultline(["check", join(FIXTURES, "elle/si-without-g-single.edn"), "--workload", "list-append", "--json"]);
    expect(result.code, result.stderr).toBe(1);
    const r = JSON.parse(result.stdout) as { anomalyTypes: string[]; not: string[]; alsoNot: string[] };
    expect(r.anomalyTypes).toEqual(["G2-item"]);
    expect(r.not).toContain("repeatable-read");
    expect([...r.not, ...r.alsoNot]).not.toContain("snapshot-isolation");
  });

  it("with strict-serializable named, real-time order counts too", async () => {
    const result = await faultline(["check", join(FIXTURES, "elle/si-without-g-single.edn"), "--workload", "list-append", "--consistency-models", "strict-serializable", "--json"]);
    expect(result.code).toBe(1);
    expect((JSON.parse(result.stdout) as { anomalyTypes: string[] }).anomalyTypes).toContain("G-single-realtime");
  });
});

describe("bad input", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-cli-"));

  it.each([
    [["check", "/nonexistent/history.jsonl", "--workload", "register"], /history \/nonexistent\/history.jsonl does not exist/],
    [["check", join(FIXTURES, "kv/c01-ok.edn"), "--workload", "teapot"], /unknown workload "teapot"; valid: register/],
    [["run", "--system", "cassandra"], /unknown system "cassandra"; valid: raft/],
    [["run", "--nemesis", "meteor"], /unknown nemesis "meteor"/],
    [["run", "--frobnicate"], /unknown option '--frobnicate'/],
    [["launch"], /unknown command 'launch'/],
  ])("%j → one line, exit 254", async (args, message) => {
    const result = await faultline(args as string[]);
    expect(result.code).toBe(254);
    expect(result.stderr).toMatch(message as RegExp);
    expect(result.stderr.trim().split("\n").filter((l) => l.startsWith("faultline:") || l.startsWith("error:"))).toHaveLength(1);
  });

  it("a malformed history line is named by file:line", async () => {
    const path = join(dir, "bad.jsonl");
    writeFileSync(path, '{"index":0,"time":0,"process":0,"type":"invoke","f":"read","value":null,"key":1}\n{"index":1, oops\n{"index":2,"time":2,"process":0,"type":"ok","f":"read","value":null,"key":1}\n');
    const result = await faultline(["check", path, "--workload", "register"]);
    expect(result.code).toBe(254);
    expect(result.stderr).toContain(`${path}:2:`);
  });

  it("a history cut mid-line (crashed writer) is checked up to its last whole line, with a warning", async () => {
    const path = join(dir, "cut.jsonl");
    writeFileSync(path, '{"index":0,"time":0,"process":0,"type":"invoke","f":"write","value":3,"key":1}\n{"index":1,"time":5,"process":0,"type":"ok","f":"write","value":3,"key":1}\n{"index":2,"time":9,"proc');
    const result = await faultline(["check", path, "--workload", "register"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning/);
  });

  it("--help works on every subcommand", async () => {
    for (const command of ["run", "check", "report", "list", "cleanup", "up"]) {
      const result = await faultline([command, "--help"]);
      expect(result.code, command).toBe(0);
      expect(result.stdout).toContain(`Usage: faultline ${command}`);
    }
  });
});
