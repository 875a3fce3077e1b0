// Replicated databases on the docker runtime, through the real CLI (`faultline run --runtime docker
// … --json`), under the faults that matter for them (SEEDS §5, issue 13):
//   PostgreSQL streaming, serializable      healthy, and with the primary killed and a standby
//                                           promoted: list-append valid
//   PostgreSQL streaming, repeatable read   list-append: G2-item found, snapshot isolation held
//   MariaDB async, primary cut off          set: acknowledged writes lost after the failover (C1),
//                                           the lost values named
//   MariaDB async, read-from=replica        register: not linearizable, a replica's stale read (C15)
//   MariaDB Galera, partition + kill        list-append and bank: whatever the run observed, each
//                                           anomaly with the transactions (or reads) that prove it
//                                           and the models it rules out; no verdict expected
//   bad input                               wrong credentials, a standby that never accepts
//                                           connections, a replica that never catches up: one
//                                           line naming the node and what was awaited, exit 254,
//                                           the run's folder kept
// Where a scenario may need more than one run, seeds 1, 2, 3 are tried in turn (at most 3 runs)
// and the test prints how many it took; measured below, the first run showed each. Runs go one at
// a time; each prints one summary line and the file its total (budget: 8 minutes; measured about
// 7½ on the 2-core machine shared with other sessions' runs: 416 and 440 s of runs).

import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildImages } from "../../clusters/runtime/docker/images/build-images.ts";
import { systemImages } from "../../clusters/runtime/docker/images/names.ts";
import { ensureDocker } from "../../clusters/runtime/docker/engine.ts";
import { systems } from "../../harness/run/registry.ts";
import type { Op } from "../../harness/op.ts";
import { faultline } from "../support/cli.ts";
import { runJson as runCli, share, type CliRun } from "./helpers/cli-run.ts";

const store = mkdtempSync(join(tmpdir(), "faultline-databases-"));
const runSeconds: number[] = [];
let failed = false;

beforeAll(async () => {
  const docker = await ensureDocker({ install: true, onProgress: (line) => console.log(line) });
  // Built (or found up to date) here, so that no run's own time is spent building.
  await buildImages(systemImages(systems, ["mysql", "postgres"]), { docker, onProgress: (line) => console.log(line) });
});

afterEach((context) => {
  if (context.task.result?.state === "fail") failed = true;
});

afterAll(() => {
  const total = runSeconds.reduce((a, b) => a + b, 0);
  console.log(`databases: ${runSeconds.length} runs, ${total.toFixed(0)} s of runs in all (${runSeconds.map((s) => s.toFixed(0)).join(", ")})`);
  if (failed) console.log(`databases: a test failed; its runs are kept in ${store}`);
  else rmSync(store, { recursive: true, force: true });
});

async function runJson(args: readonly string[]): Promise<CliRun> {
  const run = await runCli(["--runtime", "docker", "--store", store, ...args]);
  runSeconds.push(run.seconds);
  return run;
}

function history(run: CliRun): Op[] {
  return readFileSync(join(run.runDir, "history.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Op);
}

function harnessLog(run: CliRun): string {
  return readFileSync(join(run.runDir, "harness.log"), "utf8");
}

function describeRun(label: string, run: CliRun): string {
  const partitions = run.results.stats.faults.partitions;
  const sides = partitions ? `majority side ${share(partitions.majoritySide.availability)}, minority side ${share(partitions.minoritySide.availability)}` : "no partition";
  return `${label}: exit ${run.code}, valid ${String(run.results.valid)}, ${run.seconds.toFixed(0)} s, availability ${share(run.results.stats.availability.availability)}; ${sides}; ${run.runDir}`;
}

/** Runs with seeds 1, 2, 3 until `shown(run)` holds; at most 3 runs. */
async function untilShown(label: string, args: readonly string[], shown: (run: CliRun) => boolean): Promise<CliRun> {
  const seen: string[] = [];
  try {
    for (let seed = 1; seed <= 3; seed++) {
      const run = await runJson([...args, "--seed", String(seed)]);
      seen.push(describeRun(`${label}, seed ${seed}`, run));
      expect([0, 1], run.stderr).toContain(run.code);
      if (shown(run)) return run;
    }
    throw new Error(`${label}: not shown in 3 runs:\n${seen.join("\n")}`);
  } finally {
    console.log(`${label}: ${seen.length} attempt(s) of at most 3\n${seen.join("\n")}`);
  }
}

/** A cycle names its transactions (ops), a lost update the ones that read the same state (txns),
 *  an anomaly within one transaction that one (op). */
interface ElleCase {
  explanation: string;
  ops?: { index: number; value: unknown }[];
  txns?: { index: number; value: unknown }[];
  op?: { index: number; value: unknown };
}

const provingTransactions = (anomaly: ElleCase) => anomaly.ops ?? anomaly.txns ?? (anomaly.op ? [anomaly.op] : []);

interface ElleResult {
  anomalyTypes: string[];
  anomalies: Record<string, ElleCase[]>;
  not: string[];
  alsoNot: string[];
}

const elle = (run: CliRun) => run.results.workload as unknown as ElleResult;
const ruledOut = (run: CliRun) => [...elle(run).not, ...elle(run).alsoNot];

const streaming = ["--system", "postgres", "--nodes", "3", "--opt", "topology=streaming"];

describe("PostgreSQL with streaming replicas", () => {
  it("serializable list-append, replicas healthy: valid", async () => {
    // Measured: valid, 30–42 s a run (setup 7–12 s: initdb, two base backups).
    const run = await runJson([...streaming, "--workload", "list-append", "--isolation", "serializable", "--nemesis", "none", "--time", "6", "--seed", "1"]);
    console.log(describeRun("postgres serializable healthy", run));
    expect(run.code, run.stderr).toBe(0);
    expect(elle(run).anomalyTypes).toEqual([]);
  });

  it("serializable list-append with the primary killed and a standby promoted: valid", async () => {
    // The primary is killed 4–12 s in; the controller promotes a standby 2 s later, and the old
    // primary comes back as a standby by pg_rewind. Measured: valid, one failover, 55–58 s a run.
    const run = await runJson([...streaming, "--workload", "list-append", "--isolation", "serializable", "--nemesis", "kill:leader", "--nemesis-interval", "8", "--time", "25", "--seed", "1"]);
    console.log(describeRun("postgres serializable kill:leader", run));
    expect(run.code, run.stderr).toBe(0);
    expect(elle(run).anomalyTypes).toEqual([]);
    expect(history(run).some((op) => op.process === "nemesis" && op.f === "kill" && op.type === "ok")).toBe(true);
    expect(harnessLog(run)).toMatch(/postgres failover controller: the primary does not answer \(n1\).*promoting n[23]/);
    expect(harnessLog(run)).toMatch(/postgres n1: rewound onto n[23]/);
  });

  it("repeatable read list-append: G2-item found, and nothing rules out the snapshot isolation it claims", async () => {
    // Contended: 3 keys, 10 clients. Measured (seed 1, 10 s): G2-item by the first run each time,
    // valid as snapshot isolation, serializable ruled out beside it; 41–61 s.
    const args = [...streaming, "--workload", "list-append", "--isolation", "repeatable-read", "--keys", "3", "--concurrency", "10", "--nemesis", "none", "--time", "8"];
    const run = await untilShown("postgres repeatable read", args, (candidate) => elle(candidate).anomalyTypes.some((type) => type.startsWith("G2-item")));
    expect(run.code, run.stderr).toBe(0);
    expect(run.results.claims[0]).toMatchObject({ claim: "snapshot-isolation (list-append workload)", verdict: "held" });
    expect(ruledOut(run)).toContain("serializable");
    expect(ruledOut(run)).not.toContain("snapshot-isolation");
    const g2 = Object.entries(elle(run).anomalies).find(([type]) => type.startsWith("G2-item"))?.[1] ?? [];
    expect(provingTransactions(g2[0]).length).toBeGreaterThanOrEqual(2);
    console.log(`postgres repeatable read: ${g2.length} G2-item case(s); the first: ${g2[0].explanation}`);
  });
});

interface LostElement {
  element: unknown;
  addOutcome: "ok" | "info" | "fail";
}

describe("MariaDB with asynchronous replication", () => {
  it("set, primary cut off and a replica promoted: acknowledged writes lost (C1), named", async () => {
    // Every partition cuts the primary off (partition:isolate-leader); the replicas lose it within
    // 2 s (slave_net_timeout) and the controller promotes the most advanced 2 s later, fencing the
    // old primary read-only. Whatever it acknowledged meanwhile — its clients still wrote to it —
    // no other node has. Measured (seed 1, interval 12, 25 s; shown by the first run each time):
    // failover 4.2 s into the partition, 467 and 185 acknowledged writes lost; 43–60 s a run.
    const args = ["--system", "mysql", "--workload", "set", "--nemesis", "partition:isolate-leader", "--nemesis-interval", "12", "--time", "25"];
    const lostOf = (run: CliRun) => (run.results.workload.lost as LostElement[]).filter((lost) => lost.addOutcome === "ok");
    const run = await untilShown("mariadb async set isolate-leader", args, (candidate) => lostOf(candidate).length > 0);
    expect(run.code, run.stderr).toBe(1);
    expect(harnessLog(run)).toMatch(/mysql failover controller: no replica is connected to the primary \(n1\) for 2000 ms; promoting n[23]/);
    const lost = lostOf(run);
    console.log(`C1: ${lost.length} acknowledged writes lost, e.g. elements ${lost.slice(0, 10).map((l) => String(l.element)).join(", ")}`);
    expect(lost.every((l) => typeof l.element === "number")).toBe(true);
  });

  it("register read from replicas: not linearizable, a replica's stale read (C15)", async () => {
    // Replication lag alone, no fault: a replica applies a write a moment after the primary
    // acknowledged it, and a read there meanwhile returns the value before. 3 keys and 12 clients,
    // so that reads follow writes of the same key closely. Measured (10 s): seeds 1 and 2 each
    // caught, 5 and 4 keys not linearizable. (With 8 keys and 10 clients, 15 s: seed 1 caught
    // once and missed once.)
    const args = ["--system", "mysql", "--workload", "register", "--opt", "read-from=replica", "--keys", "3", "--concurrency", "12", "--nemesis", "none", "--time", "10"];
    const run = await untilShown("mariadb register read-from=replica", args, (candidate) => candidate.code === 1);
    const failures = run.results.workload.failures as { key: number; ops: { completionIndex: number; f: string; describe: string }[]; finalStates: string[] }[];
    const staleRead = failures.find((failure) => failure.ops[0]?.f === "read");
    expect(staleRead, "a read is the op no linearization can place").toBeDefined();
    const node = history(run).find((op) => op.index === staleRead!.ops[0].completionIndex)?.node;
    // Reads ran on replicas: the primary (n1 throughout: no fault) served none of them.
    expect(node).not.toBe("n1");
    console.log(`C15: key ${staleRead!.key}: ${staleRead!.ops[0].describe} on ${String(node)}, while the register could only hold ${staleRead!.finalStates.join(" or ")}; ${failures.length} key(s) not linearizable`);
  });
});

describe("MariaDB Galera", () => {
  // No verdict is expected: the report says what the run saw. Measured (seed 1): list-append
  // G-single, G2-item, internal and lost-update (ruling out snapshot isolation, which Galera
  // documents between nodes) in every run, also without faults; bank totals off by a few units
  // (lost updates) from the first seconds; a ring partition leaves no primary component, and the
  // cluster stops serving until it heals. 60–85 s a run: the Galera setup, with two rsync state
  // transfers, takes 15–30 s; a killed node rejoins by an incremental transfer once the others
  // have evicted its old incarnation (6 s); the fault schedule waits for that restart, at most
  // 15 s (a node killed on a partition's minority side joins only after the heal).
  const galera = ["--system", "mysql", "--opt", "topology=galera", "--nemesis", "partition,kill", "--nemesis-interval", "4", "--time", "25", "--seed", "1"];

  /** Seed 1's fault schedule kills a node first, then cuts a ring partition (and kills again):
   *  both faults must have happened for the run to say anything about them. */
  function expectBothFaults(run: CliRun): void {
    const done = history(run).filter((op) => op.process === "nemesis" && op.type === "ok").map((op) => op.f);
    expect(done, "a node was killed").toContain("kill");
    expect(done, "a partition was cut").toContain("start-partition");
  }

  it("list-append under partition and kill: each anomaly with its transactions and the models it rules out", async () => {
    const run = await runJson([...galera, "--workload", "list-append"]);
    console.log(describeRun("galera list-append partition,kill", run));
    expect([0, 1], run.stderr).toContain(run.code);
    expectBothFaults(run);
    const result = elle(run);
    const report = readFileSync(join(run.runDir, "report.html"), "utf8");
    for (const type of result.anomalyTypes) {
      const cases = result.anomalies[type];
      expect(cases.length, type).toBeGreaterThan(0);
      expect(provingTransactions(cases[0]).length, `${type}: the transactions that prove it`).toBeGreaterThan(0);
      expect(report).toContain(type);
      console.log(`galera ${type}: ${cases.length} case(s); e.g. ${cases[0].explanation}`);
    }
    if (result.anomalyTypes.length > 0) expect(ruledOut(run).length).toBeGreaterThan(0);
    console.log(`galera list-append: anomalies ${result.anomalyTypes.join(", ") || "none"}; ruled out: ${ruledOut(run).join(", ") || "nothing"}; claims: ${run.results.claims.map((c) => `${c.claim} ${c.verdict}`).join("; ")}`);
  });

  it("bank under partition and kill: each bad read with the read that shows it", async () => {
    const run = await runJson([...galera, "--workload", "bank"]);
    console.log(describeRun("galera bank partition,kill", run));
    expect([0, 1], run.stderr).toContain(run.code);
    expectBothFaults(run);
    const bank = run.results.workload as { badReads: { read: { index: number; node: string }; kinds: string[]; total: number; expectedTotal: number }[] };
    for (const bad of bank.badReads.slice(0, 3)) {
      expect(bad.read.index).toBeGreaterThanOrEqual(0);
      console.log(`galera bank: read #${bad.read.index} on ${bad.read.node}: ${bad.kinds.join(", ")}, total ${bad.total} of ${bad.expectedTotal}`);
    }
    console.log(`galera bank: ${bank.badReads.length} bad read(s); claims: ${run.results.claims.map((c) => `${c.claim} ${c.verdict}`).join("; ")}`);
  });
});

describe("bad input to the databases", () => {
  /** The lines of stderr that are not the run-directory notice every run starts with, nor the
   *  progress lines a run writes every 5 s off a terminal. */
  const errorLines = (stderr: string) => stderr.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("faultline: run directory ") && !line.startsWith("faultline: progress: "));

  async function refused(args: readonly string[]): Promise<{ line: string; runDir: string }> {
    const started = performance.now();
    const result = await faultline(["run", "--runtime", "docker", "--store", store, "--workload", "set", "--nemesis", "none", "--time", "5", ...args], { timeoutMs: 180_000 });
    runSeconds.push((performance.now() - started) / 1000);
    expect(result.code, result.stderr).toBe(254);
    const lines = errorLines(result.stderr);
    expect(lines).toHaveLength(1);
    const runDir = /run directory (\S+)/.exec(result.stderr)?.[1] ?? "";
    // Nothing recorded is lost: the run's folder keeps its log and its (empty) history.
    expect(existsSync(join(runDir, "harness.log"))).toBe(true);
    expect(existsSync(join(runDir, "history.jsonl"))).toBe(true);
    expect(readFileSync(join(runDir, "harness.log"), "utf8")).toMatch(/torn down/);
    console.log(lines[0]);
    return { line: lines[0], runDir };
  }

  it("wrong credentials: the node, the login refused, and the account to use", async () => {
    const { line } = await refused(["--system", "mysql", "--nodes", "1", "--opt", "password=wrong"]);
    expect(line).toMatch(/^faultline: mysql n1: the clients' login as 'faultline' .* was refused .*ER_ACCESS_DENIED_ERROR \(1045.*user faultline with password faultline/);
  });

  it("a standby that never accepts connections (hot_standby=false): the node and what was awaited", async () => {
    const { line } = await refused(["--system", "postgres", "--nodes", "2", "--opt", "topology=streaming", "--opt", "hot_standby=false"]);
    expect(line).toMatch(/^faultline: postgres: n2 will never accept connections \(awaited: the standby to accept read-only connections.*Hot standby mode is disabled/);
  });

  it("a replica that never catches up (MASTER_DELAY an hour): the node and what was awaited", async () => {
    const { line } = await refused(["--system", "mysql", "--nodes", "2", "--opt", "master_delay=3600"]);
    expect(line).toMatch(/^faultline: mysql: n2 will not catch up within 30 s \(awaited: the replica to apply the primary's setup.*GTID sequence \d+ of n1.*MASTER_DELAY holds its next event back \d+ s more/);
  });
});
