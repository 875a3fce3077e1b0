// PostgreSQL as a primary with streaming-replication standbys on the docker runtime (more than one
// node): n1 is initdb'd and started as the primary, every other node is a pg_basebackup of it and
// streams its WAL (asynchronously unless --opt synchronous_standbys), and Faultline's failover
// controller (clusters/sql/failover.ts) promotes the most advanced standby when the primary is
// killed or cut off. Setup waits until every standby accepts connections and has replayed the
// primary's setup.

import { UsageError } from "../../harness/errors.ts";
import { stopServers } from "../lifecycle/stop.ts";
import { waitUntil } from "../lifecycle/wait.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { FailoverController } from "../sql/failover.ts";
import { createTables } from "../sql/planners.ts";
import type { ClusterContext } from "../system.ts";
import type { Route } from "./client.ts";
import { PostgresAdminLinks } from "./admin.ts";
import { postgresDialect } from "./dialect.ts";
import { configureStandby, DOCKER_PORT, dockerProcessSpec, initPrimary, initStandby, isStandbyDir, killLeftovers, reaches, rewind } from "./docker-node.ts";
import type { PostgresOptions } from "./options.ts";
import { lsnNumber, postgresReplication } from "./replication.ts";

const READY_TIMEOUT_MS = 60_000;
const CATCH_UP_TIMEOUT_MS = 30_000;
const POLL_MS = 250;
const LOGS = "the node's <node>.log in nodes/<node>/ (the server logs there)";


export class PostgresReplicaSet {
  readonly admin: PostgresAdminLinks;
  controller: FailoverController | undefined;

  constructor(
    private readonly ctx: ClusterContext,
    readonly options: PostgresOptions,
  ) {
    this.admin = new PostgresAdminLinks(ctx.runtime, DOCKER_PORT);
  }

  private get runtime(): Runtime {
    return this.ctx.runtime;
  }

  /** The server's settings: the single-node ones' durability, plus replication. */
  settings(node: string): Record<string, string> {
    const { options } = this;
    return {
      listen_addresses: "*",
      port: String(DOCKER_PORT),
      fsync: "on",
      full_page_writes: "on",
      synchronous_commit: options.synchronous_commit,
      synchronous_standby_names: options.synchronous_standbys > 0 ? `ANY ${options.synchronous_standbys} (*)` : "",
      wal_level: "replica",
      max_wal_senders: "10",
      wal_keep_size: "256MB",
      // pg_rewind needs hint-bit changes in the WAL.
      wal_log_hints: "on",
      hot_standby: options.hot_standby ? "on" : "off",
      recovery_min_apply_delay: `${options.recovery_min_apply_delay}ms`,
      // A standby notices a silent primary within 3 s and retries every half second.
      wal_receiver_status_interval: "1s",
      wal_receiver_timeout: "3s",
      wal_sender_timeout: "3s",
      wal_retrieve_retry_interval: "500ms",
      // Small: eight servers share this machine's memory.
      shared_buffers: "16MB",
      max_connections: "200",
      logging_collector: "off",
      log_line_prefix: `%m ${node} [%p] %q%a `,
    };
  }

  async setup(balances: Readonly<Record<string, number>>): Promise<void> {
    const [primary, ...standbys] = this.ctx.nodes;
    await initPrimary(this.runtime, primary);
    await this.start(primary);
    await this.waitAccepting(primary, "the primary to accept connections");
    await createTables(postgresDialect, (text, params = []) => this.admin.query(primary, text, params, 10_000), balances);
    // One base backup at a time: each is a checkpoint and a copy of the whole primary.
    for (const standby of standbys) {
      await initStandby(this.runtime, standby, primary);
      await this.start(standby);
    }
    for (const standby of standbys) await this.waitAccepting(standby, "the standby to accept read-only connections (hot_standby)");
    await this.waitReplayed(standbys, primary);
    this.controller = new FailoverController(this.ctx.nodes, primary, postgresReplication(this.runtime, this.admin, { demote: (node, to) => this.demote(node, to) }), {
      failoverAfterMs: this.options["failover-after-ms"],
      pollMs: POLL_MS,
      log: this.ctx.log,
    });
    this.controller.start();
    const mode = this.options.synchronous_standbys > 0 ? `synchronous (ANY ${this.options.synchronous_standbys}, synchronous_commit=${this.options.synchronous_commit})` : "asynchronous";
    this.ctx.log(`postgres: ${primary} is primary, standbys ${standbys.join(", ") || "none"} (${mode}); failover after ${this.options["failover-after-ms"]} ms`);
  }

  /** A killed node starts again: the current primary as it was; any other node as a standby of the
   *  current primary, wound back first if it had been a primary (pg_rewind). */
  async restart(node: string): Promise<void> {
    if (this.runtime.state(node) === "running") return;
    const primary = this.controller?.primary;
    await killLeftovers(this.runtime, node);
    if (primary !== undefined && primary !== node && !(await isStandbyDir(this.runtime, node))) {
      const said = await rewind(this.runtime, node, primary);
      this.ctx.log(`postgres ${node}: rewound onto ${primary}: ${said.trim().split("\n").at(-1) ?? ""}`);
      await configureStandby(this.runtime, node, primary);
    }
    await this.start(node);
    await this.waitAccepting(node, "the restarted server to accept connections");
    await this.controller?.rejoin(node);
  }

  /** Where a client's transaction runs. */
  route(): Route {
    return (plan, home) => {
      const controller = this.controller;
      if (!controller) return { node: home };
      if (plan.readOnly && this.options["read-from"] === "replica") {
        const replicas = controller.replicas;
        if (replicas.includes(home)) return { node: home, standby: true };
        if (replicas.length > 0) return { node: replicas[this.ctx.nodes.indexOf(home) % replicas.length], standby: true };
      }
      return { node: controller.primary };
    };
  }

  async stop(): Promise<void> {
    await this.controller?.stop();
    this.admin.close();
  }

  private async start(node: string): Promise<void> {
    await this.runtime.start(node, dockerProcessSpec(this.runtime, node, this.settings(node)));
  }

  /** A replaced primary that still runs (cut off, then healed) becomes a standby of `primary`. */
  private async demote(node: string, primary: string): Promise<void> {
    if (!(await reaches(this.runtime, node, primary))) throw new Error(`${node} does not reach ${primary} yet (cut off?); it stays fenced until it does`);
    this.admin.drop(node);
    await stopServers({ runtime: this.runtime, nodes: [node], log: this.ctx.log }, "postgres", { signal: "SIGINT" });
    await killLeftovers(this.runtime, node);
    try {
      const said = await rewind(this.runtime, node, primary);
      this.ctx.log(`postgres ${node}: rewound onto ${primary}: ${said.trim().split("\n").at(-1) ?? ""}`);
      await configureStandby(this.runtime, node, primary);
    } finally {
      // Rewound, or still the fenced old primary if the rewind failed: either way it runs again,
      // so that the controller can reach it and try later.
      await this.start(node);
    }
    await this.waitAccepting(node, "the demoted server to accept connections");
  }

  private async waitAccepting(node: string, awaited: string): Promise<void> {
    let last = "no attempt yet";
    await waitUntil(
      this.runtime,
      { system: "postgres", failure: () => `${node} did not accept connections on ${this.runtime.node(node).host}:${DOCKER_PORT} (awaited: ${awaited}; last answer: ${last})`, timeoutMs: READY_TIMEOUT_MS, pollMs: POLL_MS, logs: LOGS, watch: [node] },
      async () => {
        try {
          await this.admin.query(node, "select 1", [], 1000);
          return true;
        } catch (error) {
          const { code, detail } = error as { code?: string; detail?: string };
          last = `${(error as Error).message}${detail ? ` (${detail})` : ""}`;
          // A standby with hot_standby off answers 57P03 until it is promoted: it never will.
          if (code === "57P03" && /hot standby mode is disabled/i.test(detail ?? "")) {
            throw new UsageError(`postgres: ${node} will never accept connections (awaited: ${awaited}; it answers ${last}); the failover controller and read-from=replica need to connect to standbys: leave out --opt hot_standby=false`);
          }
          return false;
        }
      },
    ).catch((error: unknown) => {
      throw new UsageError(oneLine(error));
    });
  }

  private async waitReplayed(standbys: readonly string[], primary: string): Promise<void> {
    const [{ lsn }] = await this.admin.query(primary, "select pg_current_wal_lsn()::text as lsn");
    const target = lsnNumber(lsn);
    await Promise.all(
      standbys.map(async (node) => {
        let last = "no answer yet";
        const replayed = async () => {
          const [row] = await this.admin.query(node, "select pg_last_wal_replay_lsn()::text as replayed, (select status from pg_stat_wal_receiver) as receiver", [], 1000);
          last = `it has replayed ${String(row.replayed)}, WAL receiver ${String(row.receiver ?? "not running")}`;
          return lsnNumber(row.replayed) >= target;
        };
        const delay = this.options.recovery_min_apply_delay > 0 ? `; --opt recovery_min_apply_delay=${this.options.recovery_min_apply_delay} holds every commit back that long` : "";
        await waitUntil(
          this.runtime,
          { system: "postgres", failure: () => `${node} did not catch up (awaited: the standby to replay ${primary}'s setup, WAL up to ${String(lsn)}; ${last})${delay}`, timeoutMs: CATCH_UP_TIMEOUT_MS, pollMs: POLL_MS, logs: LOGS, watch: [node] },
          () => replayed().catch(() => false),
        ).catch((error: unknown) => {
          throw new UsageError(oneLine(error));
        });
      }),
    );
  }
}

function oneLine(error: unknown): string {
  return (error as Error).message.split("\n")[0];
}
