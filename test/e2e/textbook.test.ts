// The seeds' textbook protocols end to end (SEEDS.md C10, C11), through the real CLI on the local
// runtime: 3 nodes, 15 s of load and faults per run (20 s for 2PC, which serves only between
// faults). Configurations that claim linearizability or serializability stay valid under
// partition,kill,pause for seeds 1, 2 and 3; each configuration the seeds say breaks is caught
// within seeds 1, 2, 3 (the search stops at the first that catches it), by the same checkers,
// unaware of the protocol:
//   quorum w=2 r=2 write-back          valid for 3 of 3 (linearizable: ABD)
//   quorum w=1 r=1 (w+r ≤ n)           stale reads: not linearizable (seed 1)
//   quorum w=2 r=2 without write-back  not linearizable under lossy links (--nemesis link:drop,
//                                      2 keys; seed 2): a write stored on one replica only is seen
//                                      by some reads and not by later ones
//   quorum w=3 r=1 (write-all)         while one node is down writes stop (0 of 11 ok), reads go
//                                      on (10 of 10)
//   twopc 2pc                          valid for 3 of 3 (totals conserved); a node killed between
//                                      its phases leaves transactions that need its prepared keys
//                                      failing "waiting for <node>'s decision" (blocked)
//   twopc 3pc, a participant cut off   money created or destroyed, a transfer named that would
//   as it pre-commits                  account for it (by hand: 15 caught of 15, seeds 1, 2, 3;
//   (reactive:isolate-prepared-        timer-driven partition,link:delay caught about half of 15 s
//   participant)                       runs); 2PC under the same cuts valid for 3 of 3, blocked
// (Measured 2026-12-06; the file takes about 5 minutes, two runs at a time.)
// A seed fixes the fault schedule, not the timing of ops around it, so a seed is not a replay.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Op } from "../../harness/op.ts";
import { faultline, type CliResult } from "../support/cli.ts";

const store = mkdtempSync(join(tmpdir(), "faultline-textbook-"));

afterAll(() => rmSync(store, { recursive: true, force: true }));

const SEEDS = [1, 2, 3];
/** One run: 15 s of load and faults, restarts, heal and recovery, then the check. */
const RUN_TIMEOUT_MS = 120_000;
const EXIT = { valid: 0, invalid: 1, unknown: 2 } as const;
const MIX = "partition,kill,pause";
/** A commit participant cut off the moment it prepared another node's writes (nemeses/reactive.ts). */
const PREPARED_CUT = "reactive:isolate-prepared-participant";

interface Run {
  result: CliResult;
  dir: string;
}

async function run(name: string, seed: number, args: string[]): Promise<Run> {
  const at = join(store, name, String(seed));
  const result = await faultline(["run", ...(args.includes("--time") ? [] : ["--time", "15"]), "--seed", String(seed), "--store", at, ...args], { timeoutMs: RUN_TIMEOUT_MS });
  // 0, 1 and 2 are honest verdicts; anything else is the harness failing.
  expect([EXIT.valid, EXIT.invalid, EXIT.unknown], `${name} seed ${seed}: ${describeRun(result)}`).toContain(result.code);
  const dir = /run directory (\S+)/.exec(result.stderr)?.[1];
  if (!dir) throw new Error(`${name} seed ${seed}: no run directory named: ${describeRun(result)}`);
  return { result, dir };
}

function describeRun(result: CliResult): string {
  return `exit ${result.code}\n${result.stdout.slice(-1500)}\n${result.stderr.slice(-1500)}`;
}

function history(dir: string): Op[] {
  return readFileSync(join(dir, "history.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Op);
}

async function expectValid(name: string, args: string[]): Promise<Run[]> {
  const runs: Run[] = [];
  for (const seed of SEEDS) {
    const done = await run(name, seed, args);
    expect(done.result.code, `${name} seed ${seed}: ${describeRun(done.result)}`).toBe(EXIT.valid);
    runs.push(done);
  }
  console.log(`${name}: valid for ${SEEDS.length} of ${SEEDS.length} seeds`);
  return runs;
}

/** The first of the seeds whose run is judged invalid. */
async function expectCaught(name: string, args: string[], seeds: readonly number[] = SEEDS): Promise<Run> {
  const outcomes: string[] = [];
  for (const seed of seeds) {
    const done = await run(name, seed, args);
    outcomes.push(`seed ${seed}: exit ${done.result.code}`);
    if (done.result.code === EXIT.invalid) {
      console.log(`${name}: caught by seed ${seed} (${outcomes.join(", ")})`);
      return done;
    }
  }
  throw new Error(`${name} was never judged invalid (${outcomes.join(", ")}); see ${join(store, name)}`);
}

/** Client ops, invoke and completion paired, with the nodes down when each was invoked. */
function clientOps(ops: readonly Op[]): { invoke: Op; completion: Op; down: Set<string> }[] {
  const down = new Set<string>();
  const open = new Map<unknown, { invoke: Op; down: Set<string> }>();
  const pairs: { invoke: Op; completion: Op; down: Set<string> }[] = [];
  for (const op of ops) {
    if (op.process === "nemesis") {
      const value = op.value as { killed?: string[]; started?: string[] } | null;
      if (op.type === "ok" && op.f === "kill") for (const node of value?.killed ?? []) down.add(node);
      // A node counts as down until its restart has been asked for: one just started may not answer yet.
      if (op.type === "invoke" && op.f === "start") down.clear();
      continue;
    }
    if (op.type === "invoke") open.set(op.process, { invoke: op, down: new Set(down) });
    else {
      const started = open.get(op.process);
      open.delete(op.process);
      if (started) pairs.push({ ...started, completion: op });
    }
  }
  return pairs;
}

const share = (ops: readonly { completion: Op }[]) => ops.filter((op) => op.completion.type === "ok").length / Math.max(1, ops.length);

// Two runs at a time: each describe's two tests run side by side, the describes one after another.
describe("quorum (SEEDS.md C11), register, 3 nodes", () => {
  describe("linearizable with write-back, stale without a quorum intersection", () => {
    it.concurrent(`w=2 r=2 with write-back is valid under ${MIX} for seeds ${SEEDS.join(", ")}`, async () => {
      await expectValid("quorum-write-back", ["--system", "quorum", "--workload", "register", "--nemesis", MIX, "--opt", "w=2", "--opt", "r=2", "--opt", "write-back=true"]);
    }, SEEDS.length * RUN_TIMEOUT_MS);

    it.concurrent("w=1 r=1 (w+r ≤ n) gives stale reads: not linearizable", async () => {
      const caught = await expectCaught("quorum-w1-r1", ["--system", "quorum", "--workload", "register", "--nemesis", MIX, "--opt", "w=1", "--opt", "r=1"]);
      expect(caught.result.stdout).toMatch(/not linearizable/);
      expect(caught.result.stdout).toMatch(/eventual \(register workload\) — not tested/);
    }, SEEDS.length * RUN_TIMEOUT_MS);
  });

  describe("fresh but not linearizable without write-back; write-all read-one", () => {
    // A hunt that can miss all three seeds now and then: one declared retry, which the flaky reporter names.
    it.concurrent("w=2 r=2 without write-back is not linearizable when links lose messages", { retry: 1, timeout: SEEDS.length * RUN_TIMEOUT_MS }, async () => {
      // 30 s runs: at 15 s three seeds sometimes all missed (a retry was needed under load).
      const caught = await expectCaught("quorum-no-write-back", ["--system", "quorum", "--workload", "register", "--nemesis", "link:drop", "--keys", "2", "--opt", "w=2", "--opt", "r=2", "--time", "30"]);
      expect(caught.result.stdout).toMatch(/not linearizable/);
      // A write stored on fewer than w replicas is indeterminate, and some replica kept it.
      expect(history(caught.dir).some((op) => op.type === "info" && op.f === "write" && /UNKNOWN .*keep it/.test(op.error ?? ""))).toBe(true);
    });

    it.concurrent("w=3 r=1 (write-all, read-one): with a node down writes stop and reads go on", async () => {
      // Not linearizable either (a write-all that timed out is left on the replicas it reached, as
      // without write-back), and not claimed to be: only availability is looked at here.
      const { dir } = await run("quorum-write-all", 1, ["--system", "quorum", "--workload", "register", "--nemesis", "kill:random-one", "--opt", "w=3", "--opt", "r=1", "--opt", "timeoutMs=300"]);
      // Ops invoked while one node was down, on a client of another node. A write there waits out
      // timeoutMs for the dead replica (300 ms here, so that there are more of them).
      const whileDown = clientOps(history(dir)).filter((op) => op.down.size > 0 && !op.down.has(op.invoke.node ?? op.completion.node ?? ""));
      const reads = whileDown.filter((op) => op.invoke.f === "read");
      const writes = whileDown.filter((op) => op.invoke.f === "write");
      console.log(`quorum write-all with a node down: reads ${(share(reads) * 100).toFixed(1)}% ok of ${reads.length}, writes ${(share(writes) * 100).toFixed(1)}% ok of ${writes.length}`);
      expect(reads.length).toBeGreaterThanOrEqual(5);
      expect(writes.length).toBeGreaterThanOrEqual(5);
      expect(share(reads)).toBeGreaterThan(0.9);
      // A write invoked just before the kill may still have reached every replica.
      expect(share(writes)).toBeLessThan(0.2);
    }, RUN_TIMEOUT_MS);
  });
});

describe("twopc (SEEDS.md C10), bank, 3 nodes", () => {
  it.concurrent(`2pc conserves the totals under ${MIX} for seeds ${SEEDS.join(", ")}, and a node killed between its phases blocks`, async () => {
    // Every participant must answer, so 2PC serves only between faults: 20 s with a fault change
    // every 4 s leaves it some (at 15 s and every 2 s, seed 3 overlapped faults throughout, no
    // transfer completed and the verdict was unknown).
    const runs = await expectValid("twopc-2pc", ["--system", "twopc", "--workload", "bank", "--nemesis", MIX, "--opt", "protocol=2pc", "--time", "20", "--nemesis-interval", "4"]);
    // Somewhere a transaction failed on locks held by one prepared and waiting for a dead or cut-off coordinator.
    const blocked = runs.flatMap((done) => history(done.dir).filter((op) => op.type === "fail" && /prepared .* ago, waiting for n\d's decision/.test(op.error ?? "")));
    console.log(`twopc 2pc: ${blocked.length} transactions failed on locks held in doubt; the first: ${blocked[0]?.error ?? "none"}`);
    expect(blocked.length).toBeGreaterThan(0);
  }, SEEDS.length * RUN_TIMEOUT_MS);

  // The nemesis strikes at the moment 3PC's claim breaks: a participant cut off right after it
  // pre-committed another node's writes, before its vote reaches the coordinator. Timer-driven
  // partitions (partition,link:delay) caught it in about half of 15 s runs; this caught it in every
  // run by hand (seeds 1, 2, 3, five runs each).
  it.concurrent(`3pc loses atomicity under ${PREPARED_CUT} within seeds ${SEEDS.join(", ")}, and the bank checker names failed transfers that account for the balances`, async () => {
    const caught = await expectCaught("twopc-3pc", ["--system", "twopc", "--workload", "bank", "--nemesis", PREPARED_CUT, "--opt", "protocol=3pc"]);
    // Atomicity lost: reads whose total is wrong (money created or destroyed) or that no set of
    // concurrent transfers explains. A cut usually leaves several transactions committed alone at
    // once, so the balances rarely single out one transfer; the checker names a smallest set that
    // accounts for every balance, and among them a transfer the system answered failed.
    type BadRead = { kinds: string[]; suspects?: { transfers: { outcome: string; error?: string }[]; unique: boolean } };
    const results = JSON.parse(readFileSync(join(caught.dir, "results.json"), "utf8")) as { workload: { badReads?: BadRead[] } };
    const badReads = results.workload.badReads ?? [];
    const named = badReads.filter((bad) => bad.kinds.some((kind) => kind === "wrong-total" || kind === "unexplained") && bad.suspects?.transfers.some((t) => t.outcome === "fail"));
    expect(named.length, `${caught.result.stdout}\n${JSON.stringify(badReads.slice(0, 3))}`).toBeGreaterThan(0);
    const summary = caught.result.stdout.replace(/\s+/g, " ");
    expect(summary).toMatch(/\d+ bad reads?; the first, op #\d+, is /);
    if (badReads[0]?.suspects) expect(summary).toMatch(/transfers? (that|that together) accounts? for every balance/);
    // Each cut answered a participant's prepared event for another node's transaction, within
    // milliseconds; and a transaction the nemesis answered was committed on its own by the
    // participant it cut off (its log says so), while its coordinator aborted it.
    const strikes = cuts(caught.dir);
    expect(strikes.length).toBeGreaterThan(0);
    for (const strike of strikes) {
      expect(strike).toMatchObject({ action: "isolate", event: { kind: "prepared" } });
      expect(strike.node).toBe(strike.event.node);
      expect(strike.event.peer).not.toBe(strike.node);
    }
    const logs = nodeLogs(caught.dir);
    const alone = strikes.filter((strike) => new RegExp(`\\[${strike.node}\\] 3PC: ${strike.event.txn.replace(/\./g, "\\.")} was pre-committed .* committing it on its own`).test(logs));
    expect(alone.length, `strikes: ${JSON.stringify(strikes)}`).toBeGreaterThan(0);
    // The system's own account of the break: a transaction a participant committed alone is one
    // whose transfer the client was told had aborted.
    const committedAlone = new Set([...logs.matchAll(/3PC: (\S+) was pre-committed .* committing it on its own/g)].map((match) => match[1]));
    const abortedYetCommitted = history(caught.dir).filter((op) => op.type === "fail" && op.f === "transfer" && committedAlone.has(/^ABORTED (\S+)/.exec(op.error ?? "")?.[1] ?? ""));
    expect(abortedYetCommitted.length, `committed alone: ${[...committedAlone].join(", ")}`).toBeGreaterThan(0);
  }, SEEDS.length * RUN_TIMEOUT_MS);

  it.concurrent(`2pc conserves the totals under ${PREPARED_CUT} for seeds ${SEEDS.join(", ")}: the participant cut off holds its locks`, async () => {
    const runs = await expectValid("twopc-2pc-prepared-cut", ["--system", "twopc", "--workload", "bank", "--nemesis", PREPARED_CUT, "--opt", "protocol=2pc"]);
    for (const done of runs) expect(cuts(done.dir).length, `${done.dir}: the nemesis never struck`).toBeGreaterThan(0);
    // Blocked, not broken: transactions fail on locks that a participant holds prepared, waiting for its coordinator.
    const blocked = runs.flatMap((done) => history(done.dir).filter((op) => op.type === "fail" && /prepared .* ago, waiting for n\d's decision/.test(op.error ?? "")));
    expect(blocked.length).toBeGreaterThan(0);
  }, SEEDS.length * RUN_TIMEOUT_MS);
});

/** The cuts the reactive nemesis made, as its stop ops report them. */
function cuts(dir: string): { action: string; node: string; event: { kind: string; node: string; txn: string; peer?: string } }[] {
  return history(dir)
    .filter((op) => op.process === "nemesis" && op.f === "stop-react" && op.type === "ok")
    .flatMap((op) => (op.value as { fired?: { action: string; node: string; event: { kind: string; node: string; txn: string; peer?: string } }[] }).fired ?? []);
}

function nodeLogs(dir: string): string {
  return readdirSync(join(dir, "nodes"))
    .map((node) => readFileSync(join(dir, "nodes", node, "stdout.log"), "utf8"))
    .join("\n");
}

describe("quorum settings that cannot run", () => {
  it("are one line each, before any node starts (exit 254)", async () => {
    const cases: [string[], RegExp][] = [
      [["--opt", "w=4"], /^faultline: quorum: w=4 is more replicas than n=3; pass --opt w between 1 and 3$/m],
      [["--opt", "n=5"], /^faultline: quorum: n=5 replicas need at least 5 nodes, the run has 3; pass --nodes 5 or a smaller --opt n$/m],
      [["--opt", "write-back=maybe"], /^faultline: quorum: option write-back must be true or false, got "maybe"/m],
    ];
    for (const [args, message] of cases) {
      const result = await faultline(["run", "--system", "quorum", "--workload", "register", "--time", "5", "--store", join(store, "bad"), ...args], { timeoutMs: 60_000 });
      expect(result.code, describeRun(result)).toBe(254);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/node n\d+ starting|at .*\.ts:\d+/);
    }
  });
});
