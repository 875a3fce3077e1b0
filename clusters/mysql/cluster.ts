// A running mysql cluster, one per run: its nodes' servers, the harness's admin links, and for the
// async topology the failover controller. Setup brings the topology up and waits until it serves:
// every server answers, the clients' account can log in, the tables exist on every node.

import { UsageError } from "../../harness/errors.ts";
import { waitUntil } from "../lifecycle/wait.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { FailoverController } from "../sql/failover.ts";
import { createTables } from "../sql/planners.ts";
import type { ClusterContext } from "../system.ts";
import { AdminLinks } from "./admin.ts";
import type { Route } from "./client.ts";
import { DATABASE, describeMysqlError, isServerError, MysqlConnection, PORT } from "./connection.ts";
import { mysqlDialect } from "./dialect.ts";
import type { MysqlOptions } from "./options.ts";
import { gtidSequence, mariadbReplication } from "./replication.ts";
import { initialiseDataDir, mysqlProcessSpec, recoverGaleraPosition } from "./server.ts";

/** Covers InnoDB recovery after a kill, and a Galera state transfer. */
const READY_TIMEOUT_MS = 60_000;
/** How long setup waits for a replica to apply the primary's setup. */
const CATCH_UP_TIMEOUT_MS = 30_000;
/** How long a restarted Galera node is waited for before the restart counts as done anyway. */
const GALERA_REJOIN_WAIT_MS = 15_000;
const POLL_MS = 250;
const LOGS = "the node's <node>.log in nodes/<node>/ (mariadbd logs there)";

export class MysqlCluster {
  readonly admin: AdminLinks;
  controller: FailoverController | undefined;

  constructor(
    private readonly ctx: ClusterContext,
    readonly options: MysqlOptions,
  ) {
    this.admin = new AdminLinks(ctx.runtime);
  }

  private get runtime(): Runtime {
    return this.ctx.runtime;
  }

  async setup(balances: Readonly<Record<string, number>>): Promise<void> {
    const { nodes } = this.ctx;
    await Promise.all(nodes.map((node) => initialiseDataDir(this.runtime, node)));
    if (this.options.topology === "galera") await this.startGalera();
    else await Promise.all(nodes.map((node) => this.startServer(node, false)));
    const first = nodes[0];
    if (this.options.topology === "async") await this.admin.query(first, "set global read_only = 0");
    await this.checkClientLogin(first);
    await createTables(mysqlDialect, (text, params = []) => this.admin.query(first, text, params, 10_000), balances);
    if (this.options.topology === "galera") {
      await this.waitApplied(nodes.slice(1), first, "the Galera cluster to apply the tables setup created");
      return;
    }
    const replication = mariadbReplication(this.runtime, this.admin, { masterDelayS: this.options.master_delay });
    for (const replica of nodes.slice(1)) await replication.follow(replica, first);
    await this.waitApplied(nodes.slice(1), first, "the replica to apply the primary's setup (tables and balances)");
    this.controller = new FailoverController(nodes, first, replication, { failoverAfterMs: this.options["failover-after-ms"], pollMs: POLL_MS, log: this.ctx.log });
    this.controller.start();
    this.ctx.log(`mysql: ${first} is primary, replicas ${nodes.slice(1).join(", ") || "none"} (GTID, asynchronous); failover after ${this.options["failover-after-ms"]} ms`);
  }

  /** Starts a killed node's server again: a Galera node rejoins (state transfer as needed), an async
   *  node comes up read-only and the controller decides whether it follows the primary. */
  async restart(node: string): Promise<void> {
    if (this.runtime.state(node) === "running") return;
    const startPosition = this.options.topology === "galera" ? await recoverGaleraPosition(this.runtime, { nodes: this.ctx.nodes, node, options: this.options }) : undefined;
    if (startPosition) this.ctx.log(`mysql ${node}: recovered Galera position ${startPosition}`);
    if (this.options.topology === "galera") {
      // A Galera node opens its port only once it has joined a primary component, which on the
      // minority side of a partition waits for the heal. Its server runs; joining is the
      // cluster's business, and the fault schedule need not wait for it.
      await this.startServer(node, false, startPosition, GALERA_REJOIN_WAIT_MS).catch((error: unknown) => {
        if (this.runtime.state(node) !== "running") throw error;
        this.ctx.log(`mysql ${node}: started, not yet joined within ${GALERA_REJOIN_WAIT_MS} ms (no primary component to join yet): ${oneLine(error)}`);
      });
      return;
    }
    await this.startServer(node, false, startPosition);
    await this.controller?.rejoin(node);
  }

  /** Where a client's transaction runs (client.ts). */
  route(readFrom: "primary" | "replica"): Route {
    return (plan, home) => {
      const controller = this.controller;
      if (!controller) return { node: home };
      if (plan.readOnly && readFrom === "replica") {
        const replicas = controller.replicas;
        if (replicas.includes(home)) return { node: home };
        if (replicas.length > 0) return { node: replicas[this.ctx.nodes.indexOf(home) % replicas.length] };
      }
      return { node: controller.primary };
    };
  }

  async stop(): Promise<void> {
    await this.controller?.stop();
    this.admin.close();
  }

  private async startGalera(): Promise<void> {
    const [first, ...rest] = this.ctx.nodes;
    await this.startServer(first, true);
    await this.waitSynced([first], 1);
    // One joiner at a time: each takes a full state transfer (rsync) from a donor, and a donor
    // serves one transfer at a time.
    for (const node of rest) {
      await this.startServer(node, false);
      await this.waitSynced([node], this.ctx.nodes.indexOf(node) + 1);
    }
    this.ctx.log(`mysql: Galera cluster of ${this.ctx.nodes.length} nodes synced`);
  }

  private async startServer(node: string, bootstrap: boolean, startPosition?: string, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    await this.runtime.start(node, mysqlProcessSpec(this.runtime, { nodes: this.ctx.nodes, node, options: this.options, bootstrap, startPosition }));
    let last = "no attempt yet";
    await waitUntil(
      this.runtime,
      { system: "mysql", failure: () => `the server on ${node} did not accept connections on ${this.runtime.node(node).host}:${PORT} (last error: ${last})`, timeoutMs, pollMs: POLL_MS, logs: LOGS, watch: [node] },
      async () => {
        try {
          await this.admin.query(node, "select 1", [], 1000);
          return true;
        } catch (error) {
          last = describeMysqlError(error);
          return false;
        }
      },
    ).catch((error: unknown) => {
      throw new UsageError(oneLine(error));
    });
  }

  private async waitSynced(nodes: readonly string[], clusterSize: number): Promise<void> {
    for (const node of nodes) {
      let last = "no answer yet";
      const synced = async () => {
        const rows = (await this.admin.query(node, "show status where variable_name in ('wsrep_local_state_comment', 'wsrep_cluster_size', 'wsrep_ready')", [], 1000)).rows;
        const status = Object.fromEntries(rows.map((row) => [String(row.Variable_name), String(row.Value)]));
        last = `state ${status.wsrep_local_state_comment}, cluster size ${status.wsrep_cluster_size}, ready ${status.wsrep_ready}`;
        return status.wsrep_local_state_comment === "Synced" && status.wsrep_ready === "ON" && Number(status.wsrep_cluster_size) >= clusterSize;
      };
      await waitUntil(this.runtime, { system: "mysql", failure: () => `${node} did not join the Galera cluster as node ${clusterSize} and sync (awaited: Synced, ready, cluster size ≥ ${clusterSize}; last seen: ${last})`, timeoutMs: READY_TIMEOUT_MS, pollMs: POLL_MS, logs: LOGS, watch: [node] }, () => synced().catch(() => false)).catch((error: unknown) => {
        throw new UsageError(oneLine(error));
      });
    }
  }

  /** The clients' account can log in: a wrong user or password is said here, once, not as a
   *  failed op per client. */
  private async checkClientLogin(node: string): Promise<void> {
    const { user, password } = this.options;
    try {
      const connection = await MysqlConnection.open({ host: this.runtime.node(node).host, port: PORT }, { user, password }, { database: DATABASE });
      connection.destroy();
    } catch (error) {
      const refused = isServerError(error) && (error.errno === 1045 || error.errno === 1044 || error.errno === 1698);
      const advice = refused ? "the image provisions user faultline with password faultline: pass those with --opt user=… --opt password=…, or leave both out" : "see the node's log";
      throw new UsageError(`mysql ${node}: the clients' login as '${user}' to database ${DATABASE} was refused while setup waited for the server to accept client connections: ${describeMysqlError(error)}; ${advice}`);
    }
  }

  /** Waits until every node in `nodes` has applied what `source` holds now. */
  private async waitApplied(nodes: readonly string[], source: string, awaited: string): Promise<void> {
    const galera = this.options.topology === "galera";
    const target = galera ? undefined : gtidSequence((await this.admin.row(source, "select @@gtid_binlog_pos as pos"))?.pos);
    await Promise.all(
      nodes.map(async (node) => {
        let last = "no answer yet";
        const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
        const applied = async (): Promise<boolean> => {
          if (galera) {
            const row = await this.admin.row(node, "select count(*) as accounts from accounts", 1000);
            last = `${String(row?.accounts)} accounts visible`;
            return Number(row?.accounts) >= 0;
          }
          const row = await this.admin.row(node, "select @@gtid_slave_pos as pos", 1000);
          const status = (await this.admin.query(node, "show slave status", [], 1000)).rows[0];
          const sequence = gtidSequence(row?.pos);
          last = `it has applied GTID sequence ${sequence}; IO thread ${String(status?.Slave_IO_Running)}, SQL thread ${String(status?.Slave_SQL_Running)}${status?.SQL_Delay ? `, MASTER_DELAY ${String(status.SQL_Delay)} s` : ""}${status?.Last_Error ? `, last error: ${String(status.Last_Error)}` : ""}`;
          if (target !== undefined && sequence >= target) return true;
          // A delayed replica says how long it will still hold the next event back.
          const remainingS = Number(status?.SQL_Remaining_Delay ?? 0);
          if (remainingS * 1000 > deadline - Date.now()) {
            throw new UsageError(`mysql: ${node} will not catch up within ${CATCH_UP_TIMEOUT_MS / 1000} s (awaited: ${awaited}, GTID sequence ${target} of ${source}; ${last}): MASTER_DELAY holds its next event back ${remainingS} s more; lower --opt master_delay`);
          }
          return false;
        };
        const failure = () => `${node} did not catch up (awaited: ${awaited}${target === undefined ? "" : `, GTID sequence ${target} of ${source}`}; ${last})${this.options.master_delay > 0 ? `; --opt master_delay=${this.options.master_delay} holds every event back that long` : ""}`;
        const check = () => applied().catch((error: unknown) => (error instanceof UsageError ? Promise.reject(error) : false));
        await waitUntil(this.runtime, { system: "mysql", failure, timeoutMs: CATCH_UP_TIMEOUT_MS, pollMs: POLL_MS, logs: LOGS, watch: [node] }, check).catch((error: unknown) => {
          throw new UsageError(oneLine(error));
        });
      }),
    );
  }
}

/** An error as one line (a server that exited is quoted with its log's last lines; those stay in
 *  harness.log and the node's log). */
function oneLine(error: unknown): string {
  return (error as Error).message.split("\n")[0];
}
