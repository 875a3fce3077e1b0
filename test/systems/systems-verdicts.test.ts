// The verdict each real system earns on the docker runtime, through the real CLI (`faultline run
// --runtime docker … --json`), under the fault that matters for it (SEEDS §5):
//   etcd            register, clean partitions + kill      valid; CP held; minority side serves less (C4, C6)
//   ZooKeeper       register, partition:isolate-one, sync  valid (C3, fixed)
//                   … without sync                         not linearizable: a follower's stale read (C3)
//   Redis Sentinel  set, partition:isolate-leader          loses acknowledged writes after a failover (C1)
//                   … min-replicas-to-write=1              the cut-off primary refuses writes (NOREPLICAS):
//                                                          less available on its side, still loses some
//                   lock, partition:isolate-leader         two clients hold the lock at once (C2)
//   our Raft        register, partition + kill             valid
//   our ZAB         register, partition + kill, sync       valid, linearizable held
// Runs one at a time. Where a scenario needs one particular fault (the Redis primary cut off long
// enough for a failover; a ZooKeeper follower cut off from its leader) the run asks for exactly
// that fault (--nemesis partition:MODE), so the first run shows it; a small bounded number of
// further seeds is only a safety net, and the test prints how many runs it took. Every run prints
// one summary line, and the file prints its total time at the end (budget: 15 minutes; measured
// about 7).

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildImages } from "../../clusters/runtime/docker/images/build-images.ts";
import { systemImages } from "../../clusters/runtime/docker/images/names.ts";
import { systems } from "../../harness/run/registry.ts";
import { ensureDocker } from "../../clusters/runtime/docker/engine.ts";
import type { Op } from "../../harness/op.ts";
import { nodeLogLines, runJson as runCli, share, type CliRun } from "./helpers/cli-run.ts";

const store = mkdtempSync(join(tmpdir(), "faultline-system-verdicts-"));

beforeAll(async () => {
  const docker = await ensureDocker({ install: true, onProgress: (line) => console.log(line) });
  // Built (or found up to date) here, so that no run's own time is spent building.
  await buildImages(systemImages(systems, ["etcd", "zookeeper", "redis-sentinel", "raft", "zab"]), { docker, onProgress: (line) => console.log(line) });
});

/** Every run's wall time, for the total printed at the end. */
const runSeconds: number[] = [];

/** Runs are kept for inspection only when a test failed: each is tens of megabytes. */
let failed = false;

afterEach((context) => {
  if (context.task.result?.state === "fail") failed = true;
});

afterAll(() => {
  const total = runSeconds.reduce((a, b) => a + b, 0);
  console.log(`systems verdicts: ${runSeconds.length} runs, ${total.toFixed(0)} s of runs in all (${runSeconds.map((seconds) => seconds.toFixed(0)).join(", ")})`);
  if (failed) console.log(`systems verdicts: a test failed; its runs are kept in ${store}`);
  else rmSync(store, { recursive: true, force: true });
});

async function runJson(args: readonly string[]): Promise<CliRun> {
  const run = await runCli(args);
  runSeconds.push(run.seconds);
  return run;
}

function docker(...args: string[]): string[] {
  return ["--runtime", "docker", "--store", store, ...args];
}

function claim(run: CliRun, prefix: string): { verdict: string; evidence: string } {
  const found = run.results.claims.find((c) => c.claim.startsWith(prefix));
  if (!found) throw new Error(`no claim starting "${prefix}" in ${JSON.stringify(run.results.claims)}`);
  return found;
}

function describeRun(label: string, run: CliRun): string {
  const partitions = run.results.stats.faults.partitions;
  const sides = partitions
    ? `majority side ${share(partitions.majoritySide.availability)} of ${partitions.majoritySide.total}, minority side ${share(partitions.minoritySide.availability)} of ${partitions.minoritySide.total}`
    : "no partition";
  return `${label}: exit ${run.code}, valid ${String(run.results.valid)}, ${run.seconds.toFixed(0)} s, availability ${share(run.results.stats.availability.availability)}; ${sides}; ${run.runDir}`;
}

function history(run: CliRun): Op[] {
  return readFileSync(join(run.runDir, "history.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Op);
}

/** The completions of the run's start-partition ops: what each partition cut off. */
function partitionsStarted(run: CliRun): { mode: string; components?: string[][]; note?: string }[] {
  return history(run)
    .filter((op) => op.process === "nemesis" && op.f === "start-partition" && op.type === "ok")
    .map((op) => op.value as { mode: string; components?: string[][]; note?: string });
}

describe("etcd on docker", () => {
  it("register under partitions and kills: linearizable, CP held, the minority side serves less (C4)", async () => {
    // Clean partitions only (a majority cut off from a minority, C4): under a majorities ring or a
    // bridge no side is the majority's, and CP promises no service there.
    const run = await runJson(docker("--system", "etcd", "--workload", "register", "--nemesis", "partition:isolate-leader+random-halves+isolate-one,kill", "--time", "20", "--seed", "1"));
    console.log(describeRun("etcd register partition (clean modes),kill", run));
    expect(run.code, run.stderr).toBe(0);
    expect(run.results.valid).toBe(true);
    // As far as registers can show C6: a write that ended fail (definitely not done) never shows
    // up in a read, or no linearization would exist. Writes an isolated old leader took end info
    // (timed out), which may or may not have happened, so they cannot refute it.
    expect(claim(run, "linearizable").verdict).toBe("held");
    expect(claim(run, "CP").verdict).toBe("held");
    const partitions = run.results.stats.faults.partitions;
    expect(partitions, "the run had partitions").not.toBeNull();
    // An etcd member cut off from the majority can neither commit writes nor serve linearizable
    // reads: its side's availability falls below the majority side's. Measured (20 s, 36–38 s a
    // run): majority 61% / minority 0%; 67.2% of 546 / 0.0% of 148; 62.8% of 927 / 23.1% of 26
    // (ops that began before a heal and finished after it count on their side). The modes drawn
    // differ from run to run even with one seed: the schedule draws from the clients' rng.
    expect(partitions?.minoritySide.total).toBeGreaterThan(0);
    expect(partitions?.minoritySide.availability ?? 1).toBeLessThan(partitions?.majoritySide.availability ?? 0);
  });
});

describe("ZooKeeper on docker (C3)", () => {
  // Stale reads come from a follower that a partition has cut off from the leader but that has
  // not noticed yet (syncLimit × tickTime = 2.5 s): it answers reads from its own state while the
  // majority commits writes. They only show when clients read that follower's keys right then,
  // before a write of theirs blocks the session: 30 clients (10 per node), 2 keys, a new
  // partition every few seconds (--nemesis-interval 3, so each lasts 1.5–4.5 s). Every partition
  // cuts one node off (partition:isolate-one): two times in three a follower, which is the stale
  // reader; an isolated leader steps down before the majority has elected anew and written.
  // Majorities rings and bridges, most of the unrestricted mix, cut every link of three nodes or
  // none of the leader's and rarely leave a stale follower.
  // Measured on the 2-core machine (non-linearizable keys; wall time of the whole run):
  //   isolate-one, 20 s, no sync   seeds 1–4: caught by each, 8, 5, 5 and 4 keys; 32–41 s
  //   isolate-one, 30 s, no sync   seeds 1–3: 10, 7 and 6 keys; 41–43 s
  //   unrestricted partition, 30 s seeds 1–3: 1, 3 and 8 keys; 40–41 s (the previous scenario;
  //                                with 10 clients, 8 keys and interval 2, one of two seeds)
  //   isolate-one, 20 s, sync=true seeds 1, 2: valid; 31–33 s
  // So the first seed is expected to catch it; the test allows three.
  const scenario = ["--system", "zookeeper", "--workload", "register", "--nemesis", "partition:isolate-one", "--time", "20", "--concurrency", "30", "--keys", "2", "--nemesis-interval", "3"];

  it("with sync=true every read is preceded by sync: linearizable under the same partitions", async () => {
    const run = await runJson(docker(...scenario, "--seed", "1", "--opt", "sync=true"));
    // Availability per side is logged, not judged: these partitions are mostly shorter than the
    // 2.5 s a follower takes to notice it lost the leader plus the 2 s an op waits, so ops on the
    // cut-off follower often complete after the heal. etcd's test above holds C4.
    console.log(describeRun("zookeeper sync=true", run));
    expect(run.code, run.stderr).toBe(0);
    expect(run.results.valid).toBe(true);
    expect(partitionsStarted(run).length).toBeGreaterThan(0);
  });

  it("without sync a follower's stale read makes the history not linearizable, within 3 seeds", async () => {
    const attempts: string[] = [];
    let caught: CliRun | undefined;
    for (const seed of [1, 2, 3]) {
      const run = await runJson(docker(...scenario, "--seed", String(seed)));
      attempts.push(describeRun(`zookeeper no sync, seed ${seed}`, run));
      expect([0, 1], run.stderr).toContain(run.code);
      if (run.code === 1) {
        caught = run;
        break;
      }
      expect(run.results.valid).toBe(true);
    }
    console.log(`C3 (stale follower reads) caught after ${attempts.length} attempt(s) of at most 3:\n${attempts.join("\n")}`);
    expect(caught, "no stale read in 3 seeds").toBeDefined();
    expect(caught?.results.valid).toBe(false);
    // The anomaly is a read: the op the linearizability search could not place is one.
    const failures = caught?.results.workload.failures as { ops: { f: string; describe: string }[] }[];
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.some((failure) => failure.ops[0]?.f === "read")).toBe(true);
    console.log(`C3: ${failures.length} key(s) not linearizable`);
  });
});

/** Whether the sentinels moved the primary during the run (their `+switch-master` event). */
function failedOver(run: CliRun): boolean {
  return nodeLogLines(run.runDir, /\+switch-master/).length > 0;
}

interface LostElement {
  element: unknown;
  addOutcome: "ok" | "info" | "fail";
  addCompletion: { timeNs: number } | null;
}

function lostAcknowledged(run: CliRun): LostElement[] {
  return (run.results.workload.lost as LostElement[]).filter((lost) => lost.addOutcome === "ok");
}

/** For each lost acknowledged write: seconds from the latest partition's start (its nemesis op's
 *  invocation) before the acknowledgement to the acknowledgement; negative for one acknowledged
 *  before the first partition (replication still in flight when the partition came). */
function lossDelays(run: CliRun): number[] {
  const starts = history(run)
    .filter((op) => op.process === "nemesis" && op.f === "start-partition" && op.type === "invoke")
    .map((op) => op.time);
  return lostAcknowledged(run).map((lost) => {
    const acked = lost.addCompletion?.timeNs ?? 0;
    const start = starts.filter((time) => time <= acked).at(-1) ?? starts[0] ?? 0;
    return (acked - start) / 1e9;
  });
}

function latest(values: readonly number[]): number {
  return values.reduce((a, b) => Math.max(a, b), -Infinity);
}

/** At most this many runs per Redis scenario. The first has shown it in every measured run (see
 *  below); the others are a safety net for a machine so loaded that a failover outlasts the
 *  shortest partition, and the test prints how many it took. */
const REDIS_ATTEMPTS = 3;

/** Runs the Redis scenario with seeds 1, 2, … until `shown(run)` holds (at most REDIS_ATTEMPTS
 *  runs). Every partition must have cut off the primary the sentinels named (no "no leader found"
 *  fallback to a random node). A run without a failover must be valid: nothing replaced the
 *  primary, so nothing it acknowledged can vanish and no second holder can appear. */
async function untilShown(label: string, args: readonly string[], shown: (run: CliRun) => boolean): Promise<CliRun> {
  const seen: string[] = [];
  try {
    for (let seed = 1; seed <= REDIS_ATTEMPTS; seed++) {
      const run = await runJson(docker(...args, "--seed", String(seed)));
      const failover = failedOver(run);
      const partitions = partitionsStarted(run);
      seen.push(`${describeRun(`${label}, seed ${seed}`, run)}; ${partitions.length} partition(s) of ${partitions.map((p) => JSON.stringify(p.components)).join(" ")}; failover: ${failover}`);
      expect(partitions.length, `${label} seed ${seed}: no partition started`).toBeGreaterThan(0);
      for (const partition of partitions) {
        expect(partition.mode).toBe("isolate-leader");
        expect(partition.note, `${label} seed ${seed}: the nemesis could not find the primary`).toBeUndefined();
        expect(partition.components?.[0]).toHaveLength(1);
      }
      if (shown(run)) return run;
      if (!failover) expect(run.code, `${label} seed ${seed}: no failover, yet not valid`).toBe(0);
    }
    throw new Error(`${label}: not shown in ${REDIS_ATTEMPTS} runs:\n${seen.join("\n")}`);
  } finally {
    console.log(`${label}: ${seen.length} attempt(s) of at most ${REDIS_ATTEMPTS}\n${seen.join("\n")}`);
  }
}

function refusals(run: CliRun): number {
  return history(run).filter((op) => op.type === "fail" && /NOREPLICAS/.test(op.error ?? "")).length;
}

function minorityAvailability(run: CliRun): number {
  const availability = run.results.stats.faults.partitions?.minoritySide.availability;
  if (availability === null || availability === undefined) throw new Error(`no op reached the minority side of a partition in ${run.runDir}`);
  return availability;
}

describe("Redis Sentinel on docker", () => {
  // Every partition cuts the primary off from both replicas and every other sentinel
  // (partition:isolate-leader; the nemesis asks the sentinels which node is primary). The
  // sentinels on the majority side find it down after DOWN_AFTER_MS (2 s), agree, elect a leader
  // among themselves and promote a replica: +switch-master came 3.5–4.1 s after the partition
  // began in the ten measured runs. A partition lasts at least half of --nemesis-interval (the
  // schedule's ±50% jitter), so with 14 s the shortest one is 7 s and the failover always lands
  // inside it; the first partition starts 7–21 s into the 30 s run, and whatever is still cut off
  // at 30 s is healed then (in every measured run that was the only partition). Clients on the
  // isolated primary's node keep writing to it (their sentinel still names it); on the heal it
  // becomes a replica of the new primary and drops everything it took alone.
  const failover = ["--system", "redis-sentinel", "--nemesis", "partition:isolate-leader", "--nemesis-interval", "14", "--time", "30"];
  let unprotected: CliRun | undefined;

  it("set, primary isolated: a failover loses acknowledged writes (C1)", async () => {
    // Measured (interval 14, 30 s; seeds 1–3, each shown by its first run): 780, 1118 and 1493
    // acknowledged writes lost of 3304–4632, the latest 10.5–17.0 s into the partition;
    // +switch-master 3.7–4.0 s after the partition began, which lasted 9.8–16.3 s; the isolated
    // primary's side 100% available, the majority side 94–97%; 48–67 s per run (67 s: a server declined SIGTERM for the 5 s grace at teardown). With
    // interval 12, seed 1: 1017 lost. Before modes existed the random schedule needed 90 s runs
    // and up to five seeds: about one partition in five cut the primary off from a majority.
    const run = await untilShown("redis set", [...failover, "--workload", "set"], (candidate) => lostAcknowledged(candidate).length > 0);
    unprotected = run;
    const lost = lostAcknowledged(run);
    console.log(`C1: ${lost.length} acknowledged writes lost of ${(run.results.workload.counts as { acknowledged: number }).acknowledged}; the latest acknowledged ${latest(lossDelays(run)).toFixed(1)} s into its partition`);
    expect(run.code, run.stderr).toBe(1);
    expect(run.results.valid).toBe(false);
    expect(lost.length).toBeGreaterThan(0);
    // Without the knob below, the isolated primary acknowledges what its clients send it.
    expect(minorityAvailability(run)).toBeGreaterThan(0.9);
  });

  it("with min-replicas-to-write=1 (lag ≤ 1 s) the isolated primary refuses writes (NOREPLICAS): less available on its side, and still not safe", async () => {
    // Measured (seeds 1–3 at interval 14, each shown by its first run; and seed 1 again):
    //   758, 858, 841, 898 writes refused with NOREPLICAS; the isolated primary's side 27.2%,
    //   23.5%, 23.3%, 22.6% available (100% without the knob); majority side 70–78%.
    //   Still lost: 271, 226, 233, 269 acknowledged writes, all acknowledged within 1.5–2.0 s of
    //   the partition's start, before the replicas' last acknowledgement grew older than the
    //   lag bound (without the knob: up to 10.5–17.0 s, as long as the partition lasted).
    // From the previous random-schedule runs: one run with failovers in quick succession lost
    // 2752, acknowledged up to 16 s after its partition began (a replica that acknowledged
    // recently need not be the one the sentinels promote); with the default lag (10 s) a failover
    // lost 854, up to 10.6 s into the partition; with wait=1 instead no acknowledged write was
    // lost in two runs (writes the isolated primary applied end info once WAIT's 1 s runs out).
    // The knob narrows the window; it does not close it.
    // Asserted is only what holds in every run: refusals, and the availability they cost.
    const run = await untilShown("redis set min-replicas-to-write=1", [...failover, "--workload", "set", "--opt", "min-replicas-to-write=1", "--opt", "min-replicas-max-lag=1"], (candidate) => failedOver(candidate) && refusals(candidate) > 0);
    const delays = lossDelays(run);
    const lost = lostAcknowledged(run);
    const refused = refusals(run);
    const isolated = minorityAvailability(run);
    console.log(`min-replicas-to-write=1: ${lost.length} acknowledged writes lost (the latest ${delays.length ? latest(delays).toFixed(1) : "–"} s after its partition began), ${refused} refused with NOREPLICAS; minority side ${share(isolated)} ok${unprotected ? ` (without the knob: ${share(minorityAvailability(unprotected))})` : ""}`);
    expect([0, 1], run.stderr).toContain(run.code);
    expect(refused).toBeGreaterThan(0);
    // The cut-off primary stops acknowledging within about a second of losing its replicas, for
    // a partition of 7 s or more.
    expect(isolated).toBeLessThan(0.6);
    if (unprotected) expect(isolated).toBeLessThan(minorityAvailability(unprotected));
  });

  it("lock, primary isolated: two clients hold the lock at once across a failover (C2)", async () => {
    // The lease is 1 s (leaseMs: one setting for the lock and the checker), which therefore
    // counts a hold as certain only within its lease: every overlap it reports is two clients
    // holding the lock inside their leases. Why not a longer lease (10 s was tried): the new primary inherits the
    // lock entry that was held when the partition began, which keeps the majority's clients out
    // for the rest of that lease; a run with a 10 s lease (seed 2, a failover, a 7 s partition)
    // saw no overlap, as the partition healed first. With 1 s (still 100× a 10 ms hold) the
    // majority's clients take the lock on the new primary while the isolated old primary's
    // clients go on taking it there.
    // Measured (interval 14, 30 s; seeds 1–3, each shown by its first run; seed 1 at interval 12
    // too): 294, 226, 70 and 151 overlapping holds; the partition lasted 7.3–15.2 s.
    const leaseMs = 1000;
    const lockResult = (run: CliRun) => run.results.workload as { counts: { overlaps: number }; overlaps: { first: Hold; second: Hold }[] };
    const args = [...failover, "--workload", "lock", "--opt", `leaseMs=${leaseMs}`];
    const run = await untilShown("redis lock", args, (candidate) => lockResult(candidate).counts.overlaps > 0);
    const result = lockResult(run);
    console.log(`C2: ${result.counts.overlaps} overlapping holds`);
    expect(run.code, run.stderr).toBe(1);
    expect(result.counts.overlaps).toBeGreaterThan(0);
    // Both ended by their own release, well before the lease ran out.
    const released = result.overlaps.filter(({ first, second }) => [first, second].every((hold) => hold.certainUntil === "release" && hold.release !== null && (hold.release.timeNs - hold.acquire.timeNs) / 1e6 < leaseMs));
    expect(released.length).toBeGreaterThan(0);
  });
});

interface Hold {
  acquire: { timeNs: number };
  release: { timeNs: number } | null;
  certainUntil: "release" | "lease" | "end of history";
}

describe("our Raft on docker", () => {
  it("register under partitions (iptables) and kills: valid", async () => {
    const run = await runJson(docker("--system", "raft", "--workload", "register", "--nemesis", "partition,kill", "--time", "20", "--seed", "1"));
    console.log(describeRun("raft docker partition,kill", run));
    expect(run.code, run.stderr).toBe(0);
    expect(run.results.valid).toBe(true);
    expect(run.results.stats.faults.partitions).not.toBeNull();
  });
});

describe("our ZAB on docker", () => {
  it("register with sync under partitions (iptables) and kills: valid, linearizable", async () => {
    const run = await runJson(docker("--system", "zab", "--workload", "register", "--opt", "sync=true", "--nemesis", "partition,kill", "--time", "20", "--seed", "1"));
    console.log(describeRun("zab docker partition,kill sync=true", run));
    expect(run.code, run.stderr).toBe(0);
    expect(run.results.valid).toBe(true);
    expect(claim(run, "linearizable").verdict).toBe("held");
    expect(run.results.stats.faults.partitions).not.toBeNull();
  });
});
