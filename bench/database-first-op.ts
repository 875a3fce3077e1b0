// How long a user waits between `faultline run --runtime docker` and the first client op for the
// replicated databases, 3 nodes each, beside etcd's 3 members measured in the same bench run: CLI
// start, image check and containers, then cluster setup until ready — for MariaDB async three
// servers from the image's template data directory, the tables created and both replicas caught
// up; for Galera a bootstrapped node and two joiners by rsync state transfer; for PostgreSQL
// streaming initdb, the tables, two base backups and both standbys replaying; for Redis Sentinel a
// primary with both replicas online and three sentinels that know each other. Images are built (or
// found current) first. Measured by bench/docker-first-op.ts's measureFirstOp, from the runs' own
// harness.log and history.
// Measured here (one run each, 2 shared cores at load average ~21–25; s to the first op / of which
// setup): MariaDB async 13.2 / 3.0, Galera 23.1 / 16.7, PostgreSQL streaming 22.8 / 11.0, Redis
// Sentinel 17.7 / 11.6; etcd 15.6 / 2.1 (the CLI's own start took 4–9 s of each under that load).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchRow } from "./bench-row.ts";
import { measureFirstOp, type FirstOp } from "./docker-first-op.ts";

const NODES = 3;

async function dockerUnavailable(): Promise<string | undefined> {
  const { dockerClient } = await import("../clusters/runtime/docker/engine.ts");
  try {
    await dockerClient().ping();
    return undefined;
  } catch (error) {
    return `Docker engine not reachable at ${process.env.DOCKER_HOST || "/var/run/docker.sock"} (${(error as Error).message.split("\n")[0]})`;
  }
}

export async function bench(): Promise<BenchRow[]> {
  const why = await dockerUnavailable();
  if (why) return [{ name: `skipped: ${why}; scripts/install-docker.sh starts one`, value: 0, unit: "skipped" }];
  const store = mkdtempSync(join(tmpdir(), "faultline-bench-database-first-op-"));
  try {
    const { buildImages } = await import("../clusters/runtime/docker/images/build-images.ts");
    const { systemImages } = await import("../clusters/runtime/docker/images/names.ts");
    const { systems } = await import("../harness/run/registry.ts");
    await buildImages(systemImages(systems, ["etcd", "mysql", "postgres", "redis-sentinel"]), { installDocker: false });
    const etcd = await measureFirstOp("etcd", "docker", store, { nodes: NODES });
    const measured: [string, FirstOp][] = [
      ["mysql async (MariaDB)", await measureFirstOp("mysql", "docker", store, { nodes: NODES })],
      ["mysql galera (MariaDB)", await measureFirstOp("mysql", "docker", store, { nodes: NODES, extraArgs: ["--opt", "topology=galera"] })],
      ["postgres streaming", await measureFirstOp("postgres", "docker", store, { nodes: NODES, extraArgs: ["--opt", "topology=streaming"] })],
      ["redis-sentinel", await measureFirstOp("redis-sentinel", "docker", store, { nodes: NODES })],
    ];
    const baseline = `etcd, docker runtime, ${NODES} nodes`;
    const phases: [keyof FirstOp, string][] = [
      ["cliStartMs", "CLI start"],
      ["runtimeMs", "images checked + runtime created"],
      ["setupMs", "cluster setup until ready"],
    ];
    const rows: BenchRow[] = [];
    for (const [system, times] of measured) {
      rows.push({ name: `spawn → first op, ${system}, docker runtime, ${NODES} nodes`, value: times.firstOpMs, unit: "ms", baseline: { name: baseline, value: etcd.firstOpMs }, ratio: times.firstOpMs / etcd.firstOpMs });
      for (const [field, label] of phases) {
        rows.push({ name: `  ${system}: ${label}`, value: times[field], unit: "ms", baseline: { name: baseline, value: etcd[field] }, ratio: times[field] / etcd[field] });
      }
    }
    return rows;
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
}
