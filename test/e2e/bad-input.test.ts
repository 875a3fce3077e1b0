// Bad input, as a newcomer types it: each gets one line naming the problem (and the valid
// choices), exit 254, and no stack trace — 255 is reserved for the harness itself crashing.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FIXTURES, faultline } from "../support/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "faultline-bad-input-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const badYaml = join(dir, "bad.yaml");
writeFileSync(badYaml, "system: raft\n  time: [30\n");
const jsonl = join(dir, "history.jsonl");
writeFileSync(jsonl, ['{"index":0,"time":0,"process":0,"type":"invoke","f":"read","value":null}', '{"index":1,"time":5,"process":0,"type":"ok","f":"read","value":null}', ""].join("\n"));
const etcdLog = join(FIXTURES, "jepsen-etcd/etcd_000.log");
const store = join(dir, "store");

const BAD_INPUTS: [string, string[], RegExp][] = [
  ["unknown system", ["run", "--system", "banana", "--store", store], /system "banana"; valid: .*raft/],
  ["unknown workload", ["run", "--system", "raft", "--workload", "banana", "--store", store], /workload "banana"/],
  ["unknown nemesis", ["run", "--system", "raft", "--nemesis", "banana", "--store", store], /banana/],
  ["unknown nemesis mode", ["run", "--system", "raft", "--nemesis", "partition:banana", "--store", store], /banana/],
  ["negative time", ["run", "--system", "raft", "--time", "-5", "--store", store], /time/],
  ["no nodes", ["run", "--system", "raft", "--nodes", "0", "--store", store], /nodes/],
  ["unknown bug switch", ["run", "--system", "raft", "--bug", "banana", "--store", store], /bug/],
  ["mistyped --opt", ["run", "--system", "raft", "--opt", "storag=power-loss", "--store", store], /storag/],
  ["missing config file", ["run", "--config", join(dir, "nope.yaml"), "--store", store], /nope\.yaml/],
  ["config that is not YAML", ["run", "--config", badYaml, "--store", store], /not valid YAML/],
  ["unknown runtime", ["run", "--system", "raft", "--runtime", "banana", "--store", store], /runtime/],
  ["partitions where the runtime cannot cut peer traffic", ["run", "--system", "etcd", "--runtime", "local", "--nemesis", "partition", "--store", store], /partition/],
  ["non-numeric concurrency", ["run", "--system", "raft", "--concurrency", "abc", "--store", store], /concurrency/],
  ["history that does not exist", ["check", join(dir, "nope.jsonl"), "--workload", "register"], /does not exist/],
  ["history that is a directory", ["check", dir, "--workload", "register"], /is a directory/],
  ["unknown check workload", ["check", etcdLog, "--workload", "banana"], /workload "banana"/],
  ["unknown linearizability model", ["check", etcdLog, "--workload", "register", "--model", "banana"], /banana.*register, cas-register/],
  ["mistyped consistency model", ["check", etcdLog, "--workload", "list-append", "--consistency-models", "serialisable"], /consistency model "serialisable"; valid: .*serializable/],
  ["unknown history format", ["check", etcdLog, "--workload", "register", "--format", "banana"], /format "banana"/],
  ["JSONL read as EDN", ["check", jsonl, "--workload", "register", "--format", "edn"], /looks like jsonl: try --format jsonl/],
  ["non-positive time limit", ["check", etcdLog, "--workload", "register", "--time-limit", "-1"], /time-limit/],
  ["up on an unknown system", ["up", "--system", "banana"], /system "banana"/],
  ["report of a run that does not exist", ["report", join(dir, "no-such-run")], /no-such-run/],
  ["unknown command", ["bogus"], /bogus/],
];

describe("bad input: one line, exit 254, no stack trace", () => {
  it.concurrent.each(BAD_INPUTS)("%s", async (_name, args, message) => {
    const result = await faultline(args, { timeoutMs: 60_000 });
    const lines = result.stderr.trim().split("\n");
    expect({ code: result.code, lines }).toMatchObject({ code: 254, lines: [expect.stringMatching(message)] });
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
