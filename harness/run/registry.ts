// Everything a test spec may name: systems, workloads, fault kinds. Adding a system or workload
// is adding one line here (a system is one folder in clusters/, a workload one file in workloads/).

import { elasticsearchSystem } from "../../clusters/elasticsearch/system.ts";
import { etcdSystem } from "../../clusters/etcd/system.ts";
import { kafkaSystem } from "../../clusters/kafka/system.ts";
import { mysqlSystem } from "../../clusters/mysql/system.ts";
import { postgresSystem } from "../../clusters/postgres/system.ts";
import { quorumSystem } from "../../clusters/quorum/system.ts";
import { raftSystem } from "../../clusters/raft/system.ts";
import { redisSentinelSystem } from "../../clusters/redis-sentinel/system.ts";
import { twopcSystem } from "../../clusters/twopc/system.ts";
import { zabSystem } from "../../clusters/zab/system.ts";
import type { System } from "../../clusters/system.ts";
import { zookeeperSystem } from "../../clusters/zookeeper/system.ts";
import { faultKinds, faultModes, faultSupport } from "../../nemeses/catalog.ts";
import { workloads as workloadCatalog } from "../../workloads/catalog.ts";
import type { Workload } from "../../workloads/workload.ts";
import type { SpecCatalog } from "../spec/build-spec.ts";

const byName = <T extends { name: string }>(items: T[]): Record<string, T> => Object.fromEntries(items.map((item) => [item.name, item]));

export const systems: Record<string, System> = byName([raftSystem, etcdSystem, redisSentinelSystem, zookeeperSystem, postgresSystem, kafkaSystem, elasticsearchSystem, mysqlSystem, zabSystem, twopcSystem, quorumSystem]);

/** Every workload (workloads/catalog.ts: adding one is a line there). */
export const workloads: Record<string, Workload> = workloadCatalog;

/** The systems and workloads one run may name. The runner takes one, so a test can run a system
 *  of its own with the same code path as the registered ones. */
export interface Registry {
  systems: Readonly<Record<string, System>>;
  workloads: Readonly<Record<string, Workload>>;
}

export const REGISTRY: Registry = { systems, workloads };

/** What specs are validated against. */
export function catalog(registry: Registry = REGISTRY): SpecCatalog {
  return {
    systems: registry.systems,
    workloads: registry.workloads,
    nemeses: Object.fromEntries(Object.values(faultKinds).map((kind) => [kind.name, faultModes(kind)])),
    nemesisSupport: (system, runtime) => Object.fromEntries(Object.values(faultKinds).map((kind) => [kind.name, faultSupport(kind, { system: registry.systems[system], runtime })])),
  };
}
