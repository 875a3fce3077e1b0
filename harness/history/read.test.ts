import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { detectFormat, HistoryParseError, parseHistoryText, readHistory } from "./read.ts";

const fixtures = new URL("../../../shared/fixtures/", import.meta.url);
const scratch = mkdtempSync(join(tmpdir(), "faultline-read-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The error a parse throws, for asserting on its fields. */
function parseError(run: () => unknown): HistoryParseError {
  try {
    run();
  } catch (err) {
    if (err instanceof HistoryParseError) return err;
    throw err;
  }
  throw new Error("expected a HistoryParseError, but parsing succeeded");
}

describe("jsonl", () => {
  it("reads one op per line, skipping blank lines", () => {
    const text = [
      '{"index":0,"time":10,"process":0,"type":"invoke","f":"write","value":3,"key":"a"}',
      "",
      '{"index":1,"time":20,"process":0,"type":"ok","f":"write","value":3,"key":"a","node":"n1"}',
      '{"index":2,"time":30,"process":"nemesis","type":"info","f":"kill","value":null,"error":"boom"}',
      "",
    ].join("\n");
    const { ops, warnings } = parseHistoryText(text, "jsonl", "h.jsonl");
    expect(warnings).toEqual([]);
    expect(ops).toEqual([
      { index: 0, time: 10, process: 0, type: "invoke", f: "write", value: 3, key: "a" },
      { index: 1, time: 20, process: 0, type: "ok", f: "write", value: 3, key: "a", node: "n1" },
      { index: 2, time: 30, process: "nemesis", type: "info", f: "kill", value: null, error: "boom" },
    ]);
  });

  it("fills a missing index and time with the op's position", () => {
    const { ops } = parseHistoryText('{"process":1,"type":"invoke","f":"read"}\n{"process":1,"type":"ok","f":"read","value":2}\n', "jsonl", "h");
    expect(ops.map((op) => [op.index, op.time, op.value])).toEqual([[0, 0, null], [1, 1, 2]]);
  });

  it("names file and line of a malformed line, on one line", () => {
    const text = '{"index":0,"process":0,"type":"invoke","f":"read"}\n{"index":1,"process":0,"type":"ok",\n{"index":2}\n';
    const error = parseError(() => parseHistoryText(text, "jsonl", "run/history.jsonl"));
    expect(error.file).toBe("run/history.jsonl");
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/^run\/history\.jsonl:2: not valid JSON/);
    expect(error.message).not.toContain("\n");
  });

  it("rejects bad fields with what is wrong", () => {
    const bad: [string, RegExp][] = [
      ['{"process":0,"type":"done","f":"read"}', /:1: op type "done" is not one of invoke, ok, fail, info/],
      ['{"process":"p1","type":"ok","f":"read"}', /:1: process "p1" is neither an integer nor "nemesis"/],
      ['{"process":0,"type":"ok"}', /:1: op field "f" \(missing\) is not a string/],
      ['{"process":0,"type":"ok","f":"read","time":"soon"}', /:1: time "soon" is not a finite number/],
      ["[1,2]", /:1: expected an op object/],
    ];
    for (const [line, reason] of bad) expect(() => parseHistoryText(`${line}\n`, "jsonl", "h.jsonl"), line).toThrow(reason);
  });

  it("rejects two ops with the same index", () => {
    const text = '{"index":4,"process":0,"type":"invoke","f":"read"}\n{"index":4,"process":0,"type":"ok","f":"read"}\n';
    expect(() => parseHistoryText(text, "jsonl", "h")).toThrow(/^h:2: op index 4 already used on line 1/);
  });
});

describe("edn", () => {
  it("reads the kv fixtures: keywords as strings, keys, string values", () => {
    const { ops } = readHistory(new URL("kv/c01-ok.edn", fixtures));
    expect(ops).toHaveLength(116);
    expect(ops[0]).toEqual({ index: 0, time: 0, process: 0, type: "invoke", f: "append", key: "0", value: "x 0 0 y" });
    expect(ops[8]).toEqual({ index: 8, time: 8, process: 0, type: "invoke", f: "get", key: "5", value: null });
    expect(ops[9].value).toBe("");
  });

  it("fills Elle's gaps: synthetic processes, f txn, time from position", () => {
    const { ops } = readHistory(new URL("elle/paper-example.edn", fixtures));
    expect(ops).toHaveLength(8);
    expect(ops.every((op) => op.f === "txn")).toBe(true);
    expect(ops.map((op) => op.time)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(ops.map((op) => op.process)).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(ops[2].value).toEqual([["append", 255, 8], ["r", 253, null]]);
  });

  it("uses the index as time when :time is missing", () => {
    const { ops } = parseHistoryText("{:index 10 :type :invoke :f :read :process 0}\n{:index 12 :type :ok :f :read :process 0 :time 99}\n", "edn", "h.edn");
    expect(ops.map((op) => [op.index, op.time])).toEqual([[10, 10], [12, 99]]);
  });

  it("keeps indexes and processes that are present", () => {
    const { ops } = readHistory(new URL("elle/si-without-g-single.edn", fixtures));
    expect(ops.map((op) => op.index)).toEqual([10, 11, 20, 21, 30, 31, 40, 41]);
    expect(ops.map((op) => op.process)).toEqual([2, 2, 4, 4, 7, 7, 9, 9]);
  });

  it("pairs a completion without :process with the most recent open invoke without one", () => {
    const text = [
      "{:process 5 :type :invoke :f :read}",
      "{:type :invoke :f :write :value 1}",
      "{:type :invoke :f :write :value 2}",
      "{:type :ok :f :write :value 2}",
      "{:type :ok :f :write :value 1}",
      "{:process 5 :type :ok :f :read :value 1}",
    ].join("\n");
    const { ops } = parseHistoryText(text, "edn", "h.edn");
    expect(ops.map((op) => op.process)).toEqual([5, 6, 7, 7, 6, 5]);
  });

  it("reads a vector of op maps, :process :nemesis, :error and nested values", () => {
    const text = '[{:type :info, :f :start-partition, :process :nemesis, :value {"n1" #{"n2"}}}\n {:type :invoke :f :cas :process 0 :value [1 2] :time 5 :index 7 :error [:timeout 3]}]\n';
    const { ops } = parseHistoryText(text, "edn", "h.edn");
    expect(ops[0]).toEqual({ index: 0, time: 0, process: "nemesis", type: "info", f: "start-partition", value: { n1: ["n2"] } });
    expect(ops[1]).toEqual({ index: 7, time: 5, process: 0, type: "invoke", f: "cas", value: [1, 2], error: '["timeout",3]' });
  });

  it("explains ops it cannot complete, at their line", () => {
    expect(() => parseHistoryText("{:type :invoke :f :read :process 0}\n{:type :ok :value 3 :process 0}\n", "edn", "h.edn")).toThrow(
      /^h\.edn:2: op has no :f and its :value is not a vector of micro-ops/,
    );
    expect(() => parseHistoryText("{:type :ok :f :read}\n", "edn", "h.edn")).toThrow(/^h\.edn:1: this ok has no :process and no earlier invoke/);
    expect(() => parseHistoryText("[1 2]\n", "edn", "h.edn")).toThrow(/^h\.edn:1: expected an op map/);
    expect(() => parseHistoryText("{:type :ok :f :read :process 0}\n{:type :ok :f :read :process 0 :value [1 2}\n", "edn", "h.edn")).toThrow(
      /^h\.edn:2: mismatched '\}', expected '\]'/,
    );
  });
});

describe("jepsen log", () => {
  it("reads the etcd fixture's op lines with EDN values", () => {
    const { ops } = readHistory(new URL("jepsen-etcd/etcd_000.log", fixtures));
    expect(ops).toHaveLength(170);
    expect(ops[0]).toEqual({ index: 0, time: 0, process: 0, type: "invoke", f: "read", value: null });
    expect(ops[18]).toEqual({ index: 18, time: 18, process: 2, type: "invoke", f: "cas", value: [3, 0] });
    const timedOut = ops.find((op) => op.type === "info");
    expect(timedOut?.value).toBe("timed-out");
  });

  it("skips other log lines and keeps nemesis free-form values", () => {
    const text = [
      "2014-01-01 INFO  jepsen.core - Running test",
      "INFO  jepsen.util - 3\t:invoke\t:cas\t[1 2]",
      "INFO  jepsen.util - :nemesis\t:info\t:start\tCut off {n1 #{n2}",
      "INFO jepsen.util - 3 :fail :cas [1 2]",
      "WARN  something else entirely",
    ].join("\n");
    const { ops } = parseHistoryText(text, "jepsen-log", "j.log");
    expect(ops.map((op) => [op.process, op.type, op.f, op.value])).toEqual([
      [3, "invoke", "cas", [1, 2]],
      ["nemesis", "info", "start", "Cut off {n1 #{n2}"],
      [3, "fail", "cas", [1, 2]],
    ]);
    expect(ops.map((op) => op.time)).toEqual([0, 1, 2]);
  });

  it("rejects a client op whose value is not EDN", () => {
    const text = "INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok\t:read\t[1 2\nINFO  jepsen.util - 1\t:invoke\t:read\tnil\n";
    expect(() => parseHistoryText(text, "jepsen-log", "e.log")).toThrow(/^e\.log:2: op value "\[1 2" is not valid EDN/);
  });
});

describe("truncated files", () => {
  it("reads a jsonl history up to its last whole line and warns", () => {
    const text = '{"process":0,"type":"invoke","f":"read"}\n{"process":0,"type":"ok","f":"read","value":1}\n{"process":0,"type":"inv';
    const { ops, warnings } = parseHistoryText(text, "jsonl", "h.jsonl");
    expect(ops).toHaveLength(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^h\.jsonl:3: last line is incomplete/);
  });

  it("does the same for EDN and Jepsen logs", () => {
    const edn = parseHistoryText('{:process 0, :type :invoke, :f :get, :key "5", :value nil}\n{:process 0, :type :ok, :f :get, :key "5", :va', "edn", "h.edn");
    expect(edn.ops).toHaveLength(1);
    expect(edn.warnings[0]).toMatch(/^h\.edn:2: last line is incomplete/);
    const log = parseHistoryText("INFO  jepsen.util - 0\t:invoke\t:cas\t[1 2]\nINFO  jepsen.util - 0\t:ok\t:cas\t[1 ", "jepsen-log", "e.log");
    expect(log.ops).toHaveLength(1);
    expect(log.warnings[0]).toMatch(/^e\.log:2: last line is incomplete/);
  });

  it("still fails on a bad line before the last, and on a last line that ends in a newline", () => {
    const earlier = '{"process":0,"type":"invoke","f":"read"}\n{"process":0,"type":"ok"\n{"process":0,"type":"inv';
    expect(() => parseHistoryText(earlier, "jsonl", "h.jsonl")).toThrow(/^h\.jsonl:2: /);
    const whole = '{"process":0,"type":"invoke","f":"read"}\n{"process":0,"type":"inv\n';
    expect(() => parseHistoryText(whole, "jsonl", "h.jsonl")).toThrow(/^h\.jsonl:2: not valid JSON/);
  });

  it("keeps the real error when an EDN form opened on an earlier line never closes", () => {
    expect(() => parseHistoryText("[{:type :invoke :f :read :process 0}\n{:type :ok :f :read :process 0}", "edn", "h.edn")).toThrow(
      /^h\.edn:2: unexpected end of input inside a collection/,
    );
  });
});

describe("readHistory and format detection", () => {
  it("detects by extension, then by content", () => {
    expect(detectFormat("a/history.jsonl", "")).toBe("jsonl");
    expect(detectFormat("history.edn", "")).toBe("edn");
    expect(detectFormat("etcd_000.log", "")).toBe("jepsen-log");
    expect(detectFormat("history", '\n{"index":0}\n')).toBe("jsonl");
    expect(detectFormat("history", "; comment\n{:index 0}\n")).toBe("edn");
    expect(detectFormat("history", "[{:index 0}]")).toBe("edn");
    expect(detectFormat("history", "noise\nINFO  jepsen.util - 1\t:invoke\t:read\tnil\n")).toBe("jepsen-log");
    expect(() => detectFormat("history.txt", "hello\n")).toThrow(/history\.txt: cannot tell the history format/);
  });

  it("reads files by path and by URL, honouring an explicit format", () => {
    const path = join(scratch, "recorded");
    writeFileSync(path, '{"process":0,"type":"invoke","f":"read"}\n{"process":0,"type":"ok","f":"read","value":null}\n');
    expect(readHistory(path).ops).toHaveLength(2);
    expect(readHistory(new URL(`file://${path}`), { format: "jsonl" }).ops).toHaveLength(2);
    expect(() => readHistory(path, { format: "edn" })).toThrow(HistoryParseError);
  });

  it("reads every shared fixture without warnings", () => {
    for (const name of ["jepsen-etcd/etcd_002.log", "kv/c10-bad.edn", "kv/c10-ok.edn", "kv/c01-bad.edn", "elle/paper-example.edn"]) {
      const { ops, warnings } = readHistory(new URL(name, fixtures));
      expect(warnings, name).toEqual([]);
      expect(ops.length, name).toBeGreaterThan(0);
      expect(ops.every((op, position) => position === 0 || op.index > ops[position - 1].index), name).toBe(true);
    }
  });
});
