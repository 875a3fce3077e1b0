// MariaDB 10.11 (Debian's package; Debian has no Oracle MySQL) as a system under test on the docker
// runtime, in two topologies (--opt topology):
//   async   one primary and GTID replicas; Faultline's failover controller (clusters/sql/failover.ts)
//           promotes the most advanced replica when the primary is killed or cut off, and fences
//           the old one. Clients write to the primary; with --opt read-from=replica transactions
//           that only read run on a replica.
//   galera  Galera 4: every node writable, each client on its own node.
// Clients (mysql2) run the shared SQL planners (clusters/sql) over MariaDB's dialect; claims per
// configuration are in claims.ts.

import type { ClusterContext, System } from "../system.ts";
import type { WorkloadOptions } from "../../workloads/workload.ts";
import { initialBalances } from "../../workloads/bank.ts";
import { sourcePath } from "../../harness/source-path.ts";
import { clientsFrom } from "../client/planned-client.ts";
import { stopServers } from "../lifecycle/stop.ts";
import { sqlPlanners } from "../sql/planners.ts";
import { mysqlClaims } from "./claims.ts";
import { openMysqlClient } from "./client.ts";
import { MysqlCluster } from "./cluster.ts";
import { PORT } from "./connection.ts";
import { mysqlDialect } from "./dialect.ts";
import { mysqlOptions, mysqlSettings } from "./options.ts";

/** One cluster per run; the runtime is the run's identity (nemeses get a copy of the context). */
const clusters = new WeakMap<ClusterContext["runtime"], MysqlCluster>();

function clusterOf(ctx: ClusterContext): MysqlCluster {
  const cluster = clusters.get(ctx.runtime);
  if (!cluster) throw new Error("mysql: this runtime has no cluster; call mysqlSystem.setup(ctx) first");
  return cluster;
}

const openClient = openMysqlClient(
  (ctx) => clusterOf(ctx).route(clusterOf(ctx).options["read-from"]),
  (ctx) => {
    const { user, password, isolation } = clusterOf(ctx).options;
    return { credentials: { user, password }, isolation };
  },
);

export const mysqlSystem: System = {
  name: "mysql",
  description:
    "MariaDB 10.11 from Debian on docker: --opt topology=async (one primary, GTID replicas, failover by Faultline's controller) or galera (Galera 4, every node writable); each op is one transaction at --isolation",
  claims: mysqlClaims(mysqlOptions.parse({})),
  claimsFor: (options) => mysqlClaims(mysqlOptions.parse(options)),
  clients: clientsFrom(sqlPlanners(mysqlDialect), openClient),
  options: mysqlOptions,
  bugs: [],
  runtimes: ["docker"],
  defaultNodes: 3,
  // Replication (3306), Galera's group communication (4567), state transfers (4444, 4568): a
  // partition cuts whole addresses, so it cuts them all.
  docker: { image: { name: "mysql", context: sourcePath(new URL("./image", import.meta.url)) }, clientPort: PORT, peerPort: 4567 },

  async setup(ctx) {
    const options = mysqlSettings(ctx.options, ctx.nodes.length);
    const cluster = new MysqlCluster(ctx, options);
    clusters.set(ctx.runtime, cluster);
    ctx.log(`mysql: topology ${options.topology}, isolation ${options.isolation}, read-from ${options["read-from"]}`);
    // ClusterContext.options is an untyped record; bank settings read only their own keys.
    await cluster.setup(initialBalances(ctx.options as WorkloadOptions));
  },

  async restartNode(ctx, node) {
    await clusterOf(ctx).restart(node);
  },

  async leader(ctx) {
    return clusters.get(ctx.runtime)?.controller?.primary;
  },

  async teardown(ctx) {
    const cluster = clusters.get(ctx.runtime);
    clusters.delete(ctx.runtime);
    await cluster?.stop();
    // SIGTERM: mariadbd shuts down cleanly (flushes InnoDB, closes its binary log).
    await stopServers(ctx, "mysql");
  },
};
