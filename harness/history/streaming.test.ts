// The readers stream: a history file is read a chunk at a time (byte-source.ts), and a form cut at
// a chunk's end is read again from its start once the next chunk is in. These tests cut histories
// into chunks far smaller than a form, so every boundary case happens many times over.

import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { simulate } from "../../test/support/elle-store-simulator.ts";
import { ednLine, writeEdnHistory, writeJsonlHistory } from "../../test/support/history-files.ts";
import { kvHistory } from "../../test/support/kv-history.ts";
import type { Op } from "../op.ts";
import { ByteSource } from "./byte-source.ts";
import { HistoryParseError } from "./parse-error.ts";
import { readHistory } from "./read.ts";
import { parseEdnHistory } from "./read-edn.ts";
import { parseJepsenLog } from "./read-jepsen-log.ts";
import { parseJsonlHistory } from "./read-jsonl.ts";

const scratch = mkdtempSync(join(tmpdir(), "faultline-streaming-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Ops of every shape the writers produce: transactions, kv ops, nemesis ops, errors, answered
 *  fails, unicode, nested values. */
function variedOps(): Op[] {
  const txns = simulate({ store: "strict-serializable", workload: "list-append", txns: 300, processes: 7, seed: 3 });
  const kv = kvHistory({ seed: 1, clients: 5, opsPerClient: 20 });
  const extra: Op[] = [
    { index: 0, time: 0, process: 4, type: "invoke", f: "cas", value: [1, 2], key: 7 },
    { index: 0, time: 0, process: 4, type: "fail", f: "cas", value: [1, 2], key: 7, node: "n2", error: "the register held 3", answered: true },
    { index: 0, time: 0, process: "nemesis", type: "info", f: "start-partition", value: { n1: ["n2", "n3"], n2: ["n1"] }, error: "Cut off — ünïcode ✓" },
    { index: 0, time: 0, process: 9, type: "info", f: "write", value: "quote \" and backslash \\", error: "timed out" },
  ];
  return [...txns, ...kv, ...extra].map((op, index) => ({ ...op, index, time: index * 1000 + 7 }));
}

function parseInChunks(parse: typeof parseJsonlHistory, bytes: Buffer, chunkBytes: number): Op[] {
  const source = ByteSource.fromBuffer(bytes, undefined, chunkBytes);
  try {
    return parse(source, "h").ops;
  } finally {
    source.close();
  }
}

describe("round trip through the files Faultline and Jepsen write", () => {
  const ops = variedOps();
  const edn = join(scratch, "varied.edn");
  const jsonl = join(scratch, "varied.jsonl");
  writeEdnHistory(edn, ops);
  writeJsonlHistory(jsonl, ops);

  it("reads back every op, field for field, from EDN and from JSONL", () => {
    expect(readHistory(jsonl).ops).toEqual(ops);
    expect(readHistory(edn).ops).toEqual(ops);
  });

  it("reads the same ops whatever the chunk size, down to chunks smaller than one op", () => {
    for (const chunkBytes of [1, 7, 64, 1000]) {
      expect(parseInChunks(parseJsonlHistory, Buffer.from(ops.map((op) => JSON.stringify(op)).join("\n")), chunkBytes), `jsonl, ${chunkBytes} B`).toEqual(ops);
      expect(parseInChunks(parseEdnHistory, Buffer.from(ops.map(ednLine).join("\n")), chunkBytes), `edn, ${chunkBytes} B`).toEqual(ops);
    }
  });

  it("reads a Jepsen log in chunks as it reads it whole", () => {
    const log = Buffer.from(["noise line", "INFO  jepsen.util - 3\t:invoke\t:cas\t[1 2]", "INFO  jepsen.util - :nemesis\t:info\t:start\tCut off {:n1 #{:n2}}", "INFO  jepsen.util - 3\t:ok\t:cas\t[1 2]", ""].join("\n"));
    const whole = parseInChunks(parseJepsenLog, log, 1 << 20);
    expect(whole.map((op) => [op.process, op.type, op.value])).toEqual([
      [3, "invoke", [1, 2]],
      ["nemesis", "info", "Cut off {:n1 #{:n2}}"],
      [3, "ok", [1, 2]],
    ]);
    expect(parseInChunks(parseJepsenLog, log, 5)).toEqual(whole);
  });

  it("reads an EDN vector of ops, comments and discarded forms across chunk boundaries", () => {
    const text = `; a comment\n[${ops.slice(0, 40).map(ednLine).join("\n #_{:skipped true}\n")}]\n`;
    expect(parseInChunks(parseEdnHistory, Buffer.from(text), 3)).toEqual(ops.slice(0, 40));
  });
});

describe("a malformed line far into a file", () => {
  // Past the reader's first 4 MiB chunk, so the line number has to survive refills.
  const goodOps = simulate({ store: "strict-serializable", workload: "list-append", txns: 30_000, processes: 10, seed: 5 });

  for (const format of ["jsonl", "edn"] as const) {
    it(`is reported as FILE:LINE on one line (${format})`, () => {
      const path = join(scratch, `broken.${format}`);
      const line = format === "jsonl" ? (op: Op) => JSON.stringify(op) : ednLine;
      const before = goodOps.slice(0, 40_000).map(line).join("\n");
      expect(Buffer.byteLength(before)).toBeGreaterThan(4 << 20);
      const broken = format === "jsonl" ? '{"index":1e9,"process":0,"type":"ok",' : "{:index 1000000000, :process 0, :type :ok, :f :txn, :value [[:append 1 2]}";
      writeFileSync(path, `${before}\n${broken}\n`);
      appendFileSync(path, goodOps.slice(40_000).map(line).join("\n") + "\n");
      let error: unknown;
      try {
        readHistory(path);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(HistoryParseError);
      const parseError = error as HistoryParseError;
      expect(parseError.line).toBe(40_001);
      expect(parseError.message.startsWith(`${path}:40001: `)).toBe(true);
      expect(parseError.message).not.toContain("\n");
    });
  }
});

describe("an EDN op left open", () => {
  it("is reported at the line it opened on, not at the end of the file", () => {
    const text = '{:process 0, :type :ok, :f\n{:process 1, :type :invoke, :f :read}\n{:process 1, :type :ok, :f :read}\n';
    let error: unknown;
    try {
      parseEdnHistory(ByteSource.fromBuffer(Buffer.from(text), undefined, 8), "h.edn");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(HistoryParseError);
    expect((error as HistoryParseError).message).toBe("h.edn:1: this op is never closed: unexpected end of input inside a collection; expected '}' (at line 4, the end of the file)");
  });
});

describe("a file larger than the chunk", () => {
  const ops = simulate({ store: "strict-serializable", workload: "list-append", txns: 5_000, processes: 10, seed: 9 });
  const files = { jsonl: join(scratch, "big.jsonl"), edn: join(scratch, "big.edn") };
  writeJsonlHistory(files.jsonl, ops);
  writeEdnHistory(files.edn, ops);
  const parsers = { jsonl: parseJsonlHistory, edn: parseEdnHistory };

  for (const format of ["jsonl", "edn"] as const) {
    it(`is parsed holding one chunk of its bytes, never the whole file (${format})`, () => {
      const chunkBytes = 4096;
      const source = ByteSource.fromFile(files[format], undefined, chunkBytes);
      try {
        expect(source.limit).toBeGreaterThan(100 * chunkBytes);
        expect(parsers[format](source, files[format]).ops).toEqual(readHistory(files[format]).ops);
        expect(source.done).toBe(true);
        // No form is longer than a chunk, so the buffer never had to grow.
        expect(source.bytes.length).toBe(chunkBytes);
      } finally {
        source.close();
      }
    });
  }

  it("grows the chunk for a single form longer than it, and reads it whole", () => {
    const long: Op = { index: 0, time: 0, process: 0, type: "ok", f: "read", value: Array.from({ length: 5000 }, (_, i) => i) };
    for (const [parse, text] of [
      [parseJsonlHistory, JSON.stringify(long)],
      [parseEdnHistory, ednLine(long)],
    ] as const) {
      const source = ByteSource.fromBuffer(Buffer.from(`${text}\n`), undefined, 256);
      expect(parse(source, "h").ops).toEqual([long]);
      expect(source.bytes.length).toBeGreaterThan(256);
    }
  });
});
