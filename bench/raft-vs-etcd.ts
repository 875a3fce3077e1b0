// Our 3-node Raft KV cluster (`faultline up --system raft`) against a 3-member etcd, both on
// loopback, both fsyncing every commit, under the same closed-loop write load: C workers each
// writing distinct keys one after another for a fixed time. Reports writes/s, p50 and p99 for
// both and the ratio ours/etcd (target: writes/s ratio ≥ 1), then the time from SIGKILL of the
// leader to the first successful write on a new leader (median of several trials).
//
// Fairness notes, also in the row names where they matter:
// - Measurements share two cores with the servers and with whatever else runs, so each load is
//   run in interleaved rounds (round 1 ours then etcd, round 2 etcd then ours) and every round is
//   reported, with the CPU each side's servers spent per write, which load elsewhere skews less.
// - Our peer traffic goes through Faultline's fault proxy (inside `faultline up`), as in every
//   test run; etcd's members talk directly.
// - Our client is ioredis, one connection per worker (our server answers a connection's requests
//   in order); etcd's is the etcd3 gRPC client, workers sharing a few HTTP/2 channels, the way
//   gRPC clients multiplex. The etcd3 client costs several times more CPU per write than ioredis,
//   and on a 2-core machine that CPU comes out of the servers' share: the client CPU rows say how
//   much, so a reader can discount the writes/s ratio for it.
// - Election timeouts are each system's defaults: ours 10 ticks × 10 ms (100–200 ms randomised),
//   etcd's 1000 ms. Recovery time is dominated by that setting.
// Without etcd installed the etcd rows say so and carry no ratio.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Etcd3 } from "etcd3";
import { createConnection } from "../clusters/raft/redis-connection.ts";
import type { BenchRow } from "./bench-row.ts";
import { closedLoop, median, type LoadResult } from "./closed-loop.ts";
import { EtcdCluster, etcdVersion } from "./etcd-cluster.ts";
import { etcdFailoverWriter, raftFailoverWriter, type FailoverWriter } from "./failover-writer.ts";
import { measureCpu } from "./proc-cpu.ts";
import { fetchInfo } from "../clusters/raft/info.ts";
import { RaftUpCluster } from "./raft-up-cluster.ts";

const CONCURRENCIES = [32, 128];
const DURATION_MS = 8_000;
const ROUNDS = 2;
const RECOVERY_TRIALS = 3;
/** gRPC channels the etcd workers share (never more than there are workers). */
const ETCD_CHANNELS = 8;
const VALUE = "v".repeat(64);
/** A recovery trial that has not seen a write within this long reports a failure. */
const RECOVERY_TIMEOUT_MS = 20_000;
const INSTALL_HINT = "etcd not installed (apt-get install etcd-server etcd-client, or scripts/install-systems.sh)";

type System = "ours" | "etcd";

/** A load's result plus the CPU it cost per successful write, in µs. */
interface Measured extends LoadResult {
  serverCpuUs: number;
  clientCpuUs: number;
  /** Ours only: the fault proxy inside `faultline up`, which relays every peer message. */
  proxyCpuUs?: number;
}

function perWrite(cpuMs: number, result: LoadResult): number {
  return result.okCount > 0 ? (cpuMs * 1000) / result.okCount : Number.NaN;
}

async function loadRaft(cluster: RaftUpCluster, concurrency: number, tag: string): Promise<Measured> {
  const leader = await cluster.waitHealthy();
  const nodePids = (await Promise.all(cluster.endpoints.map((endpoint) => fetchInfo(endpoint)))).flatMap((info) => (info ? [info.pid] : []));
  const connections = Array.from({ length: concurrency }, () => createConnection(leader, 2000));
  try {
    await Promise.all(connections.map((redis) => redis.connect()));
    const cpu = measureCpu({ servers: nodePids, proxy: cluster.pid === undefined ? [] : [cluster.pid] });
    const result = await closedLoop(concurrency, DURATION_MS, async (worker, seq) => {
      try {
        await connections[worker].set(`${tag}-w${worker}-${seq}`, VALUE);
      } catch (error) {
        // Leadership moved (an election under CPU starvation): follow the REDIRECT, as a client
        // would, and still count this write as failed.
        const redirect = /^REDIRECT (\S+) (\S+):(\d+)/.exec(error instanceof Error ? error.message : "");
        if (redirect) {
          connections[worker].disconnect();
          connections[worker] = createConnection({ node: redirect[1], host: redirect[2], port: Number(redirect[3]) }, 2000);
          await connections[worker].connect();
        }
        throw error;
      }
    });
    const used = cpu.stop();
    return { ...result, serverCpuUs: perWrite(used.servers, result), clientCpuUs: perWrite(used.self, result), proxyCpuUs: perWrite(used.proxy, result) };
  } finally {
    for (const redis of connections) redis.disconnect();
  }
}

async function loadEtcd(cluster: EtcdCluster, concurrency: number, tag: string): Promise<Measured> {
  const leader = await cluster.waitHealthy();
  const channels = Array.from({ length: Math.min(ETCD_CHANNELS, concurrency) }, () => cluster.client(leader));
  try {
    // One round trip per channel first, so connection setup is not inside the measured window.
    await Promise.all(channels.map((client) => client.get("warmup").string()));
    const cpu = measureCpu({ servers: cluster.pids() });
    const result = await closedLoop(concurrency, DURATION_MS, async (worker, seq) => {
      await channels[worker % channels.length].put(`${tag}-w${worker}-${seq}`).value(VALUE).exec();
    });
    const used = cpu.stop();
    return { ...result, serverCpuUs: perWrite(used.servers, result), clientCpuUs: perWrite(used.self, result) };
  } finally {
    for (const client of channels) client.close();
  }
}

/** One leader-kill trial: a writer loops, the leader gets SIGKILL, we time the first ok write after
 *  it on a surviving node; then the killed node is started again. */
async function recoveryTrial(leader: string, writer: FailoverWriter, prepareKill: () => Promise<() => void>, restart: () => void): Promise<number> {
  writer.start();
  try {
    // Let the writer settle on the leader before the kill.
    await sleep(300);
    const kill = await prepareKill();
    const firstOk = writer.markKill(leader, performance.now());
    kill();
    const timeout = sleep(RECOVERY_TIMEOUT_MS).then(() => Number.NaN);
    return await Promise.race([firstOk, timeout]);
  } finally {
    await writer.stop();
    restart();
  }
}

async function raftRecovery(cluster: RaftUpCluster, trial: number): Promise<number> {
  const leader = await cluster.waitHealthy();
  const { writer, close } = raftFailoverWriter(cluster.endpoints, leader.node, `kill${trial}`);
  try {
    return await recoveryTrial(
      leader.node,
      writer,
      () => cluster.prepareKill(leader.node),
      () => cluster.restart(leader.node),
    );
  } finally {
    close();
  }
}

async function etcdRecovery(cluster: EtcdCluster, trial: number): Promise<number> {
  const leader = await cluster.waitHealthy();
  const clients = new Map<string, Etcd3>(cluster.members.map((member) => [member.name, cluster.client(member.name)]));
  try {
    return await recoveryTrial(
      leader,
      etcdFailoverWriter(clients, leader, `kill${trial}`),
      async () => () => cluster.kill(leader),
      () => cluster.startMember(leader),
    );
  } finally {
    for (const client of clients.values()) client.close();
  }
}

function describe(result: Measured): string {
  const errors = result.errorCount > 0 ? `, ${result.errorCount} errors: ${result.sampleErrors.join("; ")}` : "";
  const proxy = result.proxyCpuUs !== undefined ? ` + proxy ${result.proxyCpuUs.toFixed(0)}` : "";
  return (
    `${Math.round(result.writesPerSecond)} writes/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, ` +
    `CPU/write: servers ${result.serverCpuUs.toFixed(0)} µs${proxy}, client ${result.clientCpuUs.toFixed(0)} µs${errors}`
  );
}

function loadRows(concurrency: number, round: number, ours: Measured, etcd: Measured | undefined, etcdName: string): BenchRow[] {
  const label = `c=${concurrency} round ${round}`;
  const metrics: { key: "writesPerSecond" | "p50Ms" | "p99Ms" | "serverCpuUs" | "clientCpuUs"; name: string; unit: string }[] = [
    { key: "writesPerSecond", name: "writes/s", unit: "writes/s" },
    { key: "p50Ms", name: "p50 write latency", unit: "ms" },
    { key: "p99Ms", name: "p99 write latency", unit: "ms" },
    { key: "serverCpuUs", name: "server CPU per write (3 nodes, proxy not counted)", unit: "µs" },
    { key: "clientCpuUs", name: "bench client CPU per write (ioredis vs etcd3)", unit: "µs" },
  ];
  const rows: BenchRow[] = metrics.map(({ key, name, unit }) => {
    const value = ours[key];
    if (!etcd) return { name: `ours ${name} ${label} (${INSTALL_HINT})`, value, unit };
    return { name: `ours ${name} ${label}`, value, unit, baseline: { name: etcdName, value: etcd[key] }, ratio: value / etcd[key] };
  });
  const errors = ours.errorCount + (etcd?.errorCount ?? 0);
  if (errors > 0) {
    rows.push({ name: `failed writes ${label} (ours ${ours.errorCount}${etcd ? `, etcd ${etcd.errorCount}` : ""}; see stderr)`, value: errors, unit: "writes" });
  }
  return rows;
}

export async function bench(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "faultline-bench-raft-etcd-"));
  const version = etcdVersion();
  let raft: RaftUpCluster | undefined;
  let etcd: EtcdCluster | undefined;
  const loads = new Map<string, Measured>();
  const recovery: Record<System, number[]> = { ours: [], etcd: [] };
  try {
    raft = await RaftUpCluster.start(join(dir, "raft"));
    if (version) etcd = await EtcdCluster.start(join(dir, "etcd"));
    else console.error(`raft-vs-etcd: ${INSTALL_HINT}; measuring our cluster only`);

    for (let round = 1; round <= ROUNDS; round++) {
      for (const concurrency of CONCURRENCIES) {
        // Alternate which system goes first, so neither always runs on a fresher machine.
        const order: System[] = round % 2 === 1 ? ["ours", "etcd"] : ["etcd", "ours"];
        for (const system of order) {
          const tag = `r${round}-c${concurrency}`;
          let result: Measured | undefined;
          if (system === "ours") result = await loadRaft(raft, concurrency, tag);
          else if (etcd) result = await loadEtcd(etcd, concurrency, tag);
          if (!result) continue;
          loads.set(`${system} ${concurrency} ${round}`, result);
          console.error(`raft-vs-etcd: ${system} c=${concurrency} round ${round}: ${describe(result)}`);
        }
      }
    }

    for (let trial = 1; trial <= RECOVERY_TRIALS; trial++) {
      recovery.ours.push(await raftRecovery(raft, trial));
      if (etcd) recovery.etcd.push(await etcdRecovery(etcd, trial));
      console.error(`raft-vs-etcd: leader-kill trial ${trial}: ours ${recovery.ours.at(-1)?.toFixed(0)} ms, etcd ${recovery.etcd.at(-1)?.toFixed(0) ?? "-"} ms`);
    }
  } finally {
    await raft?.stop();
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const rows: BenchRow[] = [];
  const etcdName = `etcd ${version?.replace(/^etcd Version:\s*/i, "") ?? ""}`.trim();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const concurrency of CONCURRENCIES) {
      const ours = loads.get(`ours ${concurrency} ${round}`)!;
      rows.push(...loadRows(concurrency, round, ours, loads.get(`etcd ${concurrency} ${round}`), etcdName));
    }
  }
  const trials = (values: number[]) => values.map((ms) => (Number.isNaN(ms) ? "timeout" : ms.toFixed(0))).join(", ");
  // A timed-out trial shows in the row's name; the median is over the trials that recovered.
  const oursRecovery = median(recovery.ours.filter(Number.isFinite));
  const recoveryName = `leader SIGKILL → first ok write on new leader, median of ${RECOVERY_TRIALS} (ours ${trials(recovery.ours)} ms`;
  if (etcd) {
    const etcdRecoveryMs = median(recovery.etcd.filter(Number.isFinite));
    rows.push({
      name: `${recoveryName}; etcd ${trials(recovery.etcd)} ms; election timeouts: ours 100–200 ms, etcd 1000 ms)`,
      value: oursRecovery,
      unit: "ms",
      baseline: { name: etcdName, value: etcdRecoveryMs },
      ratio: oursRecovery / etcdRecoveryMs,
    });
  } else {
    rows.push({ name: `${recoveryName}; ${INSTALL_HINT})`, value: oursRecovery, unit: "ms" });
  }
  return rows;
}
