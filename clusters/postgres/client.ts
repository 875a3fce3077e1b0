// One logical client process: a connection to its node (postgres.js, at most one socket), running
// each op as one transaction at the run's isolation level. After a transaction that left the
// connection anything but idle and clean — lost, timed out, not rolled back — the connection is
// closed and the next op opens a fresh one.

import type { Client } from "../../harness/interpreter/client.ts";
import type { Completion } from "../../harness/op.ts";
import type { WorkloadOptions } from "../../workloads/workload.ts";
import { PlannedClient, type Session, unfinished } from "../client/planned-client.ts";
import type { ClusterContext } from "../system.ts";
import { Connection, type Endpoint } from "./connection.ts";
import type { Isolation } from "./isolation.ts";
import { postgresOptions } from "./options.ts";
import { describeError, unsuccessfulCompletion } from "./outcome.ts";
import type { MakeSqlPlanner } from "../sql/planners.ts";
import type { SqlPlan } from "../sql/transaction-body.ts";
import { runTransaction } from "./transaction.ts";

class PostgresSession implements Session<SqlPlan> {
  private connection: Connection | undefined;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly isolation: Isolation,
    /** application_name on the server, so pg_stat_activity and the server log tell clients apart. */
    private readonly applicationName: string,
  ) {}

  async perform(plan: SqlPlan, signal: AbortSignal): Promise<Completion> {
    const connection = (this.connection ??= new Connection(this.endpoint, this.applicationName));
    const result = await runTransaction(connection, this.isolation, plan.body, signal);
    if (result.committed) return result.value === undefined ? { type: "ok" } : { type: "ok", value: result.value };
    if (!result.clean) this.discard(connection);
    return unsuccessfulCompletion(result.phase, result.error, plan.readOnly);
  }

  /** runTransaction reports every way a transaction can end; an error escaping it is a bug on our
   *  side, after which nobody can say whether COMMIT went out. */
  outcome(error: unknown, plan: SqlPlan): Completion {
    return unfinished(plan, `the client failed while running the transaction: ${describeError(error)}`);
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    if (connection) await connection.close();
  }

  private discard(connection: Connection): void {
    if (this.connection === connection) this.connection = undefined;
    // Closing ends what is still in flight with CONNECTION_DESTROYED; the op has its outcome.
    connection.close().catch(() => {});
  }
}

export async function openPostgresClient(makePlanner: MakeSqlPlanner, ctx: ClusterContext, node: string, workload: string): Promise<Client> {
  // ClusterContext.options is an untyped record; WorkloadOptions only adds that keys is a number,
  // and bank settings ignore keys.
  const planner = makePlanner(ctx.options as WorkloadOptions);
  const info = ctx.runtime.node(node);
  const session = new PostgresSession({ host: info.host, port: info.clientPort }, postgresOptions.parse(ctx.options).isolation, `faultline-${workload}-${node}`);
  return new PlannedClient("postgres", node, planner, session);
}
