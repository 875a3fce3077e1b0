// One logical client process of the mysql system: mysql2 connections as the clients' account, one
// per node it talks to, each transaction at the run's isolation level. Where a transaction runs is
// the topology's call (route): on Galera the client's own node; with async replication the
// primary the failover controller names, or for a transaction that only reads with
// read-from=replica, a replica. A connection that failed is dropped and the next op opens anew.

import { setTimeout as sleep } from "node:timers/promises";
import type { Client } from "../../harness/interpreter/client.ts";
import type { Completion } from "../../harness/op.ts";
import type { WorkloadOptions } from "../../workloads/workload.ts";
import { PlannedClient, type Session, unfinished } from "../client/planned-client.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { isolationSql, type Isolation } from "../sql/isolation.ts";
import type { MakeSqlPlanner } from "../sql/planners.ts";
import type { SqlPlan } from "../sql/transaction-body.ts";
import type { ClusterContext } from "../system.ts";
import { type Credentials, DATABASE, describeMysqlError, MysqlConnection, PORT } from "./connection.ts";
import { unsuccessfulCompletion } from "./outcome.ts";
import { runTransaction } from "./transaction.ts";

/** How long a client waits after its node refused a connection before the op fails. */
const REFUSED_BACKOFF_MS = 250;

/** The node a transaction should run on, or why none can take it now. */
export type Route = (plan: SqlPlan, home: string) => { node: string } | { unavailable: string };

class MysqlSession implements Session<SqlPlan> {
  private readonly connections = new Map<string, MysqlConnection>();

  constructor(
    private readonly runtime: Runtime,
    private readonly home: string,
    private readonly route: Route,
    private readonly credentials: Credentials,
    private readonly isolation: Isolation,
  ) {}

  async perform(plan: SqlPlan, signal: AbortSignal): Promise<Completion> {
    const routed = this.route(plan, this.home);
    if ("unavailable" in routed) return { type: "fail", error: `not sent: ${routed.unavailable}` };
    const { node } = routed;
    let connection: MysqlConnection;
    try {
      connection = await this.connection(node);
    } catch (error) {
      // A node that is down refuses at once; a client that went straight on would spend the run's
      // whole op rate on refusals while the clients of live nodes wait their turn. A real
      // connection pool backs off the same way.
      await sleep(REFUSED_BACKOFF_MS, undefined, { signal }).catch(() => {});
      return { type: "fail", node, error: `could not open a session on ${node}: ${describeMysqlError(error)}; nothing was sent` };
    }
    const result = await runTransaction(connection, plan.body, signal);
    if (!connection.usable) this.forget(node, connection);
    if (result.committed) return result.value === undefined ? { type: "ok", node } : { type: "ok", node, value: result.value };
    return { node, ...unsuccessfulCompletion(result.phase, result.error, plan.readOnly) };
  }

  /** runTransaction reports every way a transaction can end; an error escaping it is a bug on our
   *  side, after which nobody can say whether COMMIT went out. */
  outcome(error: unknown, plan: SqlPlan): Completion {
    return unfinished(plan, `the client failed while running the transaction: ${describeMysqlError(error)}`);
  }

  async close(): Promise<void> {
    for (const connection of this.connections.values()) connection.destroy();
    this.connections.clear();
  }

  private async connection(node: string): Promise<MysqlConnection> {
    const known = this.connections.get(node);
    if (known?.usable) return known;
    const { host } = this.runtime.node(node);
    const opened = await MysqlConnection.open({ host, port: PORT }, this.credentials, { database: DATABASE });
    try {
      await opened.query(`set session transaction isolation level ${isolationSql(this.isolation)}`);
    } catch (error) {
      opened.destroy();
      throw error;
    }
    this.connections.set(node, opened);
    return opened;
  }

  private forget(node: string, connection: MysqlConnection): void {
    if (this.connections.get(node) === connection) this.connections.delete(node);
    connection.destroy();
  }
}

export function openMysqlClient(route: (ctx: ClusterContext) => Route, settings: (ctx: ClusterContext) => { credentials: Credentials; isolation: Isolation }) {
  return async (makePlanner: MakeSqlPlanner, ctx: ClusterContext, node: string): Promise<Client> => {
    // ClusterContext.options is an untyped record; WorkloadOptions only adds that keys is a
    // number, and bank settings ignore keys.
    const planner = makePlanner(ctx.options as WorkloadOptions);
    const { credentials, isolation } = settings(ctx);
    return new PlannedClient("mysql", node, planner, new MysqlSession(ctx.runtime, node, route(ctx), credentials, isolation));
  };
}
