// How long a user waits between `faultline run --runtime docker` and the first client op for the
// JVM systems — the two assembled from Maven Central and Debian's ZooKeeper — 3 nodes each, beside
// etcd's 3 members measured in the same bench run: CLI start, image check and containers, then
// cluster setup until ready, split into the steps each system's setup logs —
//   kafka          servers started until all brokers registered (KRaft quorum, controller elected,
//                  brokers unfenced); the test topic created with every partition's replicas in
//                  sync; a consumer group joined (the offsets topic's leaders elected)
//   elasticsearch  servers started until all nodes joined one cluster under an elected master; the
//                  test index created and green
//   zookeeper      servers started until one leads and every other follows (srvr), the parent
//                  znodes created through the leader
// Images are built (or found current) first. Measured by bench/docker-first-op.ts's measureFirstOp,
// from the runs' own harness.log and history; the setup steps from the same harness.log.
// Measured here (one run each, 2 shared cores at load average ~20–25): kafka 38.1 s, elasticsearch
// 99.5 s (etcd 7.1 s in that run); zookeeper 11.6 s, 4.8 s of it setup (etcd 15.6 s in that run,
// 8.8 s of it the CLI's own start under load).

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchRow } from "./bench-row.ts";
import { measureFirstOp, type FirstOp } from "./docker-first-op.ts";

const NODES = 3;

/** Each system's setup steps: the harness.log line (by its text's start) that ends each one. */
const SETUP_STEPS: Readonly<Record<string, readonly [label: string, endsWith: string][]>> = {
  kafka: [
    ["servers started → all brokers registered", "kafka: all brokers registered"],
    ["→ topic created, every partition's replicas in sync", "kafka: topic faultline-queue ready"],
    ["→ a consumer group joined", "kafka: cluster "],
  ],
  elasticsearch: [
    ["servers started → all nodes in one cluster", "elasticsearch: all nodes joined one cluster"],
    ["→ test index created and green", "elasticsearch: cluster "],
  ],
  zookeeper: [["servers started → a leader, every server following, parent znodes created", "zookeeper: ensemble up"]],
};

async function dockerUnavailable(): Promise<string | undefined> {
  const { dockerClient } = await import("../clusters/runtime/docker/engine.ts");
  try {
    await dockerClient().ping();
    return undefined;
  } catch (error) {
    return `Docker engine not reachable at ${process.env.DOCKER_HOST || "/var/run/docker.sock"} (${(error as Error).message.split("\n")[0]})`;
  }
}

/** Milliseconds of each setup step of the run in `store/<system>-<workload>/latest`. */
function setupSteps(store: string, system: string, workload: string): [string, number][] {
  const runDir = join(store, `${system}-${workload}`, "latest");
  const lines = readFileSync(join(runDir, "harness.log"), "utf8").split("\n").filter((line) => line !== "");
  const at = (prefix: string): number => {
    const line = lines.find((candidate) => candidate.slice(candidate.indexOf(" ") + 1).startsWith(prefix));
    if (!line) throw new Error(`jvm-first-op: no "${prefix}" line in ${runDir}/harness.log`);
    return Date.parse(line.slice(0, line.indexOf(" ")));
  };
  let previous = at("setting up the cluster");
  return SETUP_STEPS[system].map(([label, prefix]) => {
    const end = at(prefix);
    const step: [string, number] = [label, end - previous];
    previous = end;
    return step;
  });
}

export async function bench(): Promise<BenchRow[]> {
  const why = await dockerUnavailable();
  if (why) return [{ name: `skipped: ${why}; scripts/install-docker.sh starts one`, value: 0, unit: "skipped" }];
  const store = mkdtempSync(join(tmpdir(), "faultline-bench-jvm-first-op-"));
  try {
    const { buildImages } = await import("../clusters/runtime/docker/images/build-images.ts");
    const { systemImages } = await import("../clusters/runtime/docker/images/names.ts");
    const { systems } = await import("../harness/run/registry.ts");
    await buildImages(systemImages(systems, ["etcd", "kafka", "elasticsearch", "zookeeper"]), { installDocker: false });
    const etcd = await measureFirstOp("etcd", "docker", store, { nodes: NODES });
    const measured: [string, string, FirstOp][] = [];
    // A run must end valid to be measured: Kafka's final drains join a consumer group and read the
    // whole log, longer than the default op timeout (as in test/systems/kafka-elasticsearch.test.ts).
    const runs = [
      ["kafka", "queue", ["--op-timeout", "30000"]],
      ["elasticsearch", "set", []],
      ["zookeeper", "register", []],
    ] as const;
    for (const [system, workload, extraArgs] of runs) {
      measured.push([system, workload, await measureFirstOp(system, "docker", store, { nodes: NODES, workload, extraArgs })]);
    }
    const baseline = `etcd, docker runtime, ${NODES} nodes`;
    const phases: [keyof FirstOp, string][] = [
      ["cliStartMs", "CLI start"],
      ["runtimeMs", "images checked + runtime created"],
      ["setupMs", "cluster setup until ready"],
    ];
    const rows: BenchRow[] = [];
    for (const [system, workload, times] of measured) {
      rows.push({ name: `spawn → first op, ${system}, docker runtime, ${NODES} nodes`, value: times.firstOpMs, unit: "ms", baseline: { name: baseline, value: etcd.firstOpMs }, ratio: times.firstOpMs / etcd.firstOpMs });
      for (const [field, label] of phases) {
        rows.push({ name: `  ${system}: ${label}`, value: times[field], unit: "ms", baseline: { name: baseline, value: etcd[field] }, ratio: times[field] / etcd[field] });
      }
      for (const [label, ms] of setupSteps(store, system, workload)) rows.push({ name: `    ${system} setup: ${label}`, value: ms, unit: "ms" });
    }
    return rows;
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
}
