// One node's MariaDB server: its data directory (a copy of the image's template, which holds the
// accounts), and mariadbd started in the foreground through the runtime with every setting on its
// command line, so the runtime's kill and pause land on the server itself (one process). Each node
// runs read-only until the failover controller makes it the primary (async), or joins the Galera
// cluster (galera).

import type { ProcessSpec, Runtime } from "../runtime/runtime.ts";
import { PORT } from "./connection.ts";
import type { MysqlOptions } from "./options.ts";

/** The template data directory the image's Dockerfile made. */
const TEMPLATE_DIR = "/opt/faultline/mysql";
const GALERA_PROVIDER = "/usr/lib/galera/libgalera_smm.so";

export function dataDir(runtime: Runtime, node: string): string {
  return `${runtime.node(node).dataDir}/mysql`;
}

/** Copies the template into the node's data directory (owned by mysql, as the server needs). */
export async function initialiseDataDir(runtime: Runtime, node: string): Promise<void> {
  const dir = dataDir(runtime, node);
  const result = await runtime.exec(node, "cp", ["-a", TEMPLATE_DIR, dir]);
  if (result.exitCode !== 0) {
    throw new Error(`mysql on ${node}: copying the template data directory ${TEMPLATE_DIR} to ${dir} failed (${result.stderr.trim()}); rebuild the image with 'faultline images build mysql'`);
  }
}

export interface ServerArgs {
  nodes: readonly string[];
  node: string;
  options: MysqlOptions;
  /** Galera: start a new cluster from this node (the first node at setup only). */
  bootstrap?: boolean;
  /** Galera: the position (uuid:seqno) the node's data holds, recovered after a crash, so that it
   *  rejoins by an incremental transfer (IST) instead of a full copy (SST). */
  startPosition?: string;
}

export function mysqlProcessSpec(runtime: Runtime, { nodes, node, options, bootstrap = false, startPosition }: ServerArgs): ProcessSpec {
  const dir = dataDir(runtime, node);
  const common = [
    // mariadbd drops root for mysql itself; the runtime's signals still reach it (one process).
    "--user=mysql",
    `--datadir=${dir}`,
    `--socket=${dir}/mysqld.sock`,
    `--pid-file=${dir}/mysqld.pid`,
    `--port=${PORT}`,
    "--bind-address=0.0.0.0",
    "--skip-name-resolve",
    `--server-id=${nodes.indexOf(node) + 1}`,
    // Small: eight servers share this machine's memory.
    "--innodb-buffer-pool-size=32M",
    "--innodb-log-file-size=16M",
    "--performance-schema=0",
    "--max-connections=300",
    // Durability is what a kill tests: a commit is acknowledged only once it is on disk.
    "--innodb-flush-log-at-trx-commit=1",
    "--sync-binlog=1",
    "--binlog-format=ROW",
    `--innodb-snapshot-isolation=${options.innodb_snapshot_isolation ? 1 : 0}`,
    "--character-set-server=utf8mb4",
  ];
  const topology =
    options.topology === "galera"
      ? [
          "--wsrep-on=1",
          `--wsrep-provider=${GALERA_PROVIDER}`,
          `--wsrep-cluster-address=gcomm://${nodes.map((peer) => runtime.node(peer).host).join(",")}`,
          "--wsrep-cluster-name=faultline",
          `--wsrep-node-name=${node}`,
          `--wsrep-node-address=${runtime.node(node).host}`,
          "--wsrep-sst-method=rsync",
          `--wsrep-sync-wait=${options.wsrep_sync_wait}`,
          // Galera's requirements (MariaDB's "Configuring MariaDB Galera Cluster"): row events,
          // interleaved auto-increment locks.
          "--innodb-autoinc-lock-mode=2",
          // A peer silent for 2 s is suspected, 4 s declared gone: faster than the defaults (5 s,
          // 15 s) so that a partition shows, and a killed node's old incarnation is evicted so its
          // restart can join, within a short run. pc.recovery (on by default) lets a cluster whose
          // every node was killed form its primary component again on restart.
          "--wsrep-provider-options=gcache.size=32M;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.install_timeout=PT6S",
          ...(bootstrap ? ["--wsrep-new-cluster"] : []),
          ...(startPosition ? [`--wsrep-start-position=${startPosition}`] : []),
        ]
      : [
          "--log-bin=binlog",
          "--log-slave-updates=1",
          "--relay-log=relay",
          "--gtid-strict-mode=1",
          // Every node starts read-only and without replicating: the failover controller decides
          // which node is primary and whom the others follow (replication.ts).
          "--read-only=1",
          "--skip-slave-start=1",
          // A replica notices a silent primary within 2 s (heartbeats every 0.5 s, clauses in
          // CHANGE MASTER), and retries the connection every second.
          "--slave-net-timeout=2",
        ];
  return { command: "mariadbd", args: [...common, ...topology] };
}

/** Galera after a crash: the node's grastate.dat says seqno -1, and a server started so would ask
 *  for a full state transfer, which locks its donor for seconds. `mariadbd --wsrep-recover` reads
 *  the position from InnoDB instead (what MariaDB's galera_recovery script does before a start);
 *  undefined when it cannot tell. */
export async function recoverGaleraPosition(runtime: Runtime, args: ServerArgs): Promise<string | undefined> {
  const spec = mysqlProcessSpec(runtime, args);
  const log = `${dataDir(runtime, args.node)}/wsrep-recover.log`;
  await runtime.exec(args.node, spec.command, [...spec.args, "--wsrep-recover", `--log-error=${log}`]);
  const read = await runtime.exec(args.node, "cat", [log]);
  return /WSREP: Recovered position: ([0-9a-f-]{36}:-?\d+)/.exec(read.stdout)?.[1];
}
