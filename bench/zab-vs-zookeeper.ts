// Our 3-server ZAB ensemble against Debian's ZooKeeper 3.8 (3 servers), side by side in one run,
// both on loopback through the local runtime with peers connected directly (not through the fault
// proxy, which ZooKeeper's servers never pass here) and both fsyncing every proposal before it counts,
// driven by the same client (ZooKeeper's C client, npm `zookeeper`, called directly in a load
// process of its own: zk-load.ts) at the same concurrency:
//   setData writes/s, p50 and p99 (a closed loop, each worker setting its own znode at any
//     version, its session on the servers in turn, as a client population spreads over an
//     ensemble), measured after WARMUP_MS of the same load
//   CPU per write: the three servers together, and the client (the load process plus this one),
//     from /proc — with both ensembles and the client on the machine's cores, the
//     share of all cores the run kept busy says whether it was bound by CPU or by waiting
//   failover: leader SIGKILL → a surviving server says it leads, with the others following
//     (srvr), and → the first ok write through a session opened on a survivor then. Median of
//     RECOVERY_TRIALS; the killed server is restarted between trials.
// Needs Debian's zookeeper and Java; without them only our rows are reported.

import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { LocalSystem } from "../test/support/local-system.ts";
import { findLeader, serverReport } from "../clusters/zookeeper/four-letter.ts";
import { ZkConnection } from "../clusters/zookeeper/connection.ts";
import { nodeProgramArgs } from "../harness/source-path.ts";
import { zookeeperSystem } from "../clusters/zookeeper/system.ts";
import { zabSystem } from "../clusters/zab/system.ts";
import type { System } from "../clusters/system.ts";
import type { BenchRow } from "./bench-row.ts";
import { median, type LoadResult } from "./closed-loop.ts";
import { measureCpu } from "./proc-cpu.ts";
import type { LoadReply, LoadRequest } from "./zk-load.ts";

const NODES = ["n1", "n2", "n3"];
const CONCURRENCY = 32;
const DURATION_MS = 8_000;
/** Load before the measured part, unmeasured: both servers' JITs (V8's, the JVM's) compile the
 *  write path under load first, so the rows compare steady states, not warm-up. */
const WARMUP_MS = 4_000;
const RECOVERY_TRIALS = 3;
const RECOVERY_TIMEOUT_MS = 30_000;
const VALUE_BYTES = 64;
const VALUE = Buffer.alloc(VALUE_BYTES, "v");
/** The load generator: ZooKeeper's C client in a process of its own (zk-load.ts says why). */
const LOAD_PROGRAM = nodeProgramArgs(import.meta.url, "./zk-load");

/** A load's result plus the CPU it cost per successful write, in µs, and how busy it kept the
 *  machine (CPU time of servers and client over wall time × cores, 0–1). */
interface MeasuredLoad extends LoadResult {
  serverCpuUs: number;
  clientCpuUs: number;
  busy: number;
}

interface Measured {
  load: MeasuredLoad;
  electedMs: number;
  firstWriteMs: number;
}

function perWrite(cpuMs: number, result: LoadResult): number {
  return result.okCount > 0 ? (cpuMs * 1000) / result.okCount : Number.NaN;
}

/** Runs the load in its own process (zk-load.ts) and measures the servers' and its CPU over the
 *  measured window, which it announces. */
async function load(cluster: LocalSystem): Promise<MeasuredLoad> {
  const servers = NODES.map((node) => {
    const info = cluster.runtime.node(node);
    return `${info.host}:${info.clientPort}`;
  });
  const child = spawn(process.execPath, LOAD_PROGRAM, { stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "advanced" });
  try {
    const serverPids = NODES.flatMap((node) => cluster.runtime.pid(node) ?? []);
    let cpu: ReturnType<typeof measureCpu> | undefined;
    let startedAt = 0;
    const result = await new Promise<LoadResult>((resolve, reject) => {
      child.on("message", (reply: LoadReply) => {
        if (reply.kind === "measuring") {
          cpu = measureCpu({ servers: serverPids, client: child.pid === undefined ? [] : [child.pid] });
          startedAt = performance.now();
        } else if (reply.kind === "done") resolve(reply.result);
        else reject(new Error(`${cluster.system.name}: the load process failed: ${reply.message}`));
      });
      child.on("exit", (code, signal) => reject(new Error(`${cluster.system.name}: the load process exited (${signal ?? `code ${code}`}) before its result`)));
      const request: LoadRequest = { servers, concurrency: CONCURRENCY, warmupMs: WARMUP_MS, durationMs: DURATION_MS, valueBytes: VALUE_BYTES };
      child.send(request);
    });
    if (cpu === undefined) throw new Error(`${cluster.system.name}: the load process reported a result without starting its measured window`);
    const used = cpu.stop();
    const elapsedMs = performance.now() - startedAt;
    return {
      ...result,
      serverCpuUs: perWrite(used.servers, result),
      clientCpuUs: perWrite(used.client + used.self, result),
      busy: (used.servers + used.client + used.self) / (elapsedMs * availableParallelism()),
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

/** ms from the leader's SIGKILL to a new leader with the others following, and to a first ok write. */
async function failover(cluster: LocalSystem): Promise<{ electedMs: number; firstWriteMs: number }> {
  const leader = await findLeader(cluster.runtime, NODES, 1000);
  if (leader === undefined) throw new Error(`${cluster.system.name}: no leader before the failover trial`);
  const survivors = NODES.filter((node) => node !== leader);
  const killedAt = performance.now();
  await cluster.runtime.kill(leader, "SIGKILL");
  let electedMs = Number.NaN;
  while (performance.now() - killedAt < RECOVERY_TIMEOUT_MS) {
    const modes = await Promise.all(survivors.map(async (node) => (await serverReport(cluster.runtime, node, 200))?.mode));
    if (modes.includes("leader") && modes.every((mode) => mode === "leader" || mode === "follower")) {
      electedMs = performance.now() - killedAt;
      break;
    }
    await sleep(5);
  }
  let firstWriteMs = Number.NaN;
  while (performance.now() - killedAt < RECOVERY_TIMEOUT_MS) {
    const info = cluster.runtime.node(survivors[0]);
    const zk = new ZkConnection(info.host, info.clientPort, { sessionTimeoutMs: 10_000 });
    try {
      if (await zk.waitConnected(1000)) {
        await zk.setData("/bench/w0", VALUE, -1);
        firstWriteMs = performance.now() - killedAt;
        break;
      }
    } catch {
      // Not yet: the survivors are still electing or synchronising.
    } finally {
      zk.close();
    }
    await sleep(5);
  }
  await cluster.system.restartNode(cluster.ctx, leader);
  // Let the restarted server rejoin before the next trial.
  const deadline = performance.now() + RECOVERY_TIMEOUT_MS;
  while (performance.now() < deadline) {
    const modes = await Promise.all(NODES.map(async (node) => (await serverReport(cluster.runtime, node, 200))?.mode));
    if (modes.filter((mode) => mode === "leader").length === 1 && modes.every((mode) => mode === "leader" || mode === "follower")) break;
    await sleep(50);
  }
  return { electedMs, firstWriteMs };
}

async function measure(system: System, seed: number): Promise<Measured> {
  // Peers talk directly, as ZooKeeper's servers do on the local runtime: through the fault proxy
  // every ZAB message would take two more hops through this process, which also runs the load.
  const cluster = new LocalSystem(system, NODES, seed, { directPeers: true });
  await cluster.start();
  try {
    const result = await load(cluster);
    const trials: { electedMs: number; firstWriteMs: number }[] = [];
    for (let trial = 0; trial < RECOVERY_TRIALS; trial++) trials.push(await failover(cluster));
    return { load: result, electedMs: median(trials.map((t) => t.electedMs)), firstWriteMs: median(trials.map((t) => t.firstWriteMs)) };
  } finally {
    await cluster.stop();
  }
}

function describeLoad(name: string, result: MeasuredLoad): string {
  return (
    `${name}: ${Math.round(result.writesPerSecond)} writes/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, ${result.errorCount} errors${result.sampleErrors.length ? ` (${result.sampleErrors.join("; ")})` : ""}; ` +
    `CPU per write: servers ${Math.round(result.serverCpuUs)} µs, client ${Math.round(result.clientCpuUs)} µs; ${Math.round(result.busy * 100)}% of ${availableParallelism()} cores busy`
  );
}

export async function bench(): Promise<BenchRow[]> {
  const ours = await measure(zabSystem, 7);
  console.log(describeLoad("zab", ours.load));
  const installed = existsSync("/usr/share/java/zookeeper.jar") && spawnSync("java", ["-version"]).status === 0;
  const theirs = installed ? await measure(zookeeperSystem, 7) : undefined;
  if (theirs) console.log(describeLoad("zookeeper", theirs.load));
  else console.log("zookeeper not installed (apt-get install zookeeper, or scripts/install-systems.sh): only our rows");
  const row = (name: string, value: number, unit: string, baseline: number | undefined): BenchRow =>
    baseline === undefined ? { name, value, unit } : { name, value, unit, baseline: { name: "zookeeper 3.8", value: baseline }, ratio: value / baseline };
  return [
    row(`zab setData writes/s (3 servers, ${CONCURRENCY} sessions)`, ours.load.writesPerSecond, "writes/s", theirs?.load.writesPerSecond),
    row("zab setData p50", ours.load.p50Ms, "ms", theirs?.load.p50Ms),
    row("zab setData p99", ours.load.p99Ms, "ms", theirs?.load.p99Ms),
    row("zab servers' CPU per setData (3 together)", ours.load.serverCpuUs, "µs", theirs?.load.serverCpuUs),
    row("zab client's CPU per setData (C client load process + bench)", ours.load.clientCpuUs, "µs", theirs?.load.clientCpuUs),
    row("zab leader SIGKILL → new leader (srvr)", ours.electedMs, "ms", theirs?.electedMs),
    row("zab leader SIGKILL → first ok write", ours.firstWriteMs, "ms", theirs?.firstWriteMs),
  ];
}
