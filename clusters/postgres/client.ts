// One logical client process: a connection per node it talks to (postgres.js, at most one socket
// each), running each op as one transaction at the run's isolation level. Where it runs is the
// topology's call (route): the client's own node for a single server; the primary the failover
// controller names, or a hot standby for a transaction that only reads with read-from=replica.
// After a transaction that left a connection anything but idle and clean — lost, timed out, not
// rolled back — that connection is closed and the next op opens a fresh one.

import type { Client } from "../../harness/interpreter/client.ts";
import type { Completion } from "../../harness/op.ts";
import type { WorkloadOptions } from "../../workloads/workload.ts";
import { PlannedClient, type Session, unfinished } from "../client/planned-client.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { MakeSqlPlanner } from "../sql/planners.ts";
import type { SqlPlan } from "../sql/transaction-body.ts";
import type { ClusterContext } from "../system.ts";
import { Connection } from "./connection.ts";
import type { Isolation } from "./isolation.ts";
import { describeError, unsuccessfulCompletion } from "./outcome.ts";
import { runTransaction } from "./transaction.ts";

/** The node a transaction runs on, and whether it is a hot standby there. */
export type Route = (plan: SqlPlan, home: string) => { node: string; standby?: boolean };

class PostgresSession implements Session<SqlPlan> {
  private readonly connections = new Map<string, Connection>();

  constructor(
    private readonly runtime: Runtime,
    private readonly home: string,
    private readonly route: Route,
    private readonly isolation: Isolation,
    /** application_name on the server, so pg_stat_activity and the server log tell clients apart. */
    private readonly applicationName: string,
  ) {}

  async perform(plan: SqlPlan, signal: AbortSignal): Promise<Completion> {
    const { node, standby } = this.route(plan, this.home);
    let connection = this.connections.get(node);
    if (!connection) {
      const info = this.runtime.node(node);
      connection = new Connection({ host: info.host, port: info.clientPort }, this.applicationName);
      this.connections.set(node, connection);
    }
    // A hot standby refuses serializable transactions ("cannot use serializable mode in a hot
    // standby"); PostgreSQL's manual points to repeatable read there, a snapshot of the past.
    const isolation = standby && this.isolation === "serializable" ? "repeatable-read" : this.isolation;
    const result = await runTransaction(connection, isolation, plan.body, signal);
    if (result.committed) return result.value === undefined ? { type: "ok", node } : { type: "ok", node, value: result.value };
    if (!result.clean) this.discard(node, connection);
    return { node, ...unsuccessfulCompletion(result.phase, result.error, plan.readOnly) };
  }

  /** runTransaction reports every way a transaction can end; an error escaping it is a bug on our
   *  side, after which nobody can say whether COMMIT went out. */
  outcome(error: unknown, plan: SqlPlan): Completion {
    return unfinished(plan, `the client failed while running the transaction: ${describeError(error)}`);
  }

  async close(): Promise<void> {
    const connections = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(connections.map((connection) => connection.close()));
  }

  private discard(node: string, connection: Connection): void {
    if (this.connections.get(node) === connection) this.connections.delete(node);
    // Closing ends what is still in flight with CONNECTION_DESTROYED; the op has its outcome.
    connection.close().catch(() => {});
  }
}

export function openPostgresClient(route: (ctx: ClusterContext) => Route, isolation: (ctx: ClusterContext) => Isolation) {
  return async (makePlanner: MakeSqlPlanner, ctx: ClusterContext, node: string, workload: string): Promise<Client> => {
    // ClusterContext.options is an untyped record; WorkloadOptions only adds that keys is a
    // number, and bank settings ignore keys.
    const planner = makePlanner(ctx.options as WorkloadOptions);
    const session = new PostgresSession(ctx.runtime, node, route(ctx), isolation(ctx), `faultline-${workload}-${node}`);
    return new PlannedClient("postgres", node, planner, session);
  };
}
