// One logical client process: a connection to its node (postgres.js, at most one socket), running
// each op as one transaction at the run's isolation level. After a transaction that left the
// connection anything but idle and clean — lost, timed out, not rolled back — the connection is
// closed and the next op opens a fresh one.

import type { Client } from "../../harness/interpreter/client.ts";
import type { Completion, Invocation } from "../../harness/op.ts";
import { Connection, type Endpoint } from "./connection.ts";
import type { Isolation } from "./isolation.ts";
import type { OpPlanner, TransactionBody } from "./op-planner.ts";
import { describeError, unsuccessfulCompletion } from "./outcome.ts";
import { runTransaction } from "./transaction.ts";

export interface PostgresClientOptions {
  endpoint: Endpoint;
  node: string;
  isolation: Isolation;
  planner: OpPlanner;
  /** application_name on the server, so pg_stat_activity and the server log tell clients apart. */
  applicationName: string;
}

export class PostgresClient implements Client {
  private connection: Connection | undefined;
  private closed = false;

  constructor(private readonly options: PostgresClientOptions) {}

  async invoke(op: Invocation, signal: AbortSignal): Promise<Completion> {
    const node = this.options.node;
    if (this.closed) return { type: "fail", node, error: "the postgres client was closed before this op; nothing was sent" };
    let body: TransactionBody;
    try {
      body = this.options.planner.plan(op);
    } catch (error) {
      return { type: "fail", node, error: describeError(error) };
    }
    const connection = (this.connection ??= new Connection(this.options.endpoint, this.options.applicationName));
    const result = await runTransaction(connection, this.options.isolation, body, signal);
    if (result.committed) return result.value === undefined ? { type: "ok", node } : { type: "ok", node, value: result.value };
    if (!result.clean) this.discard(connection);
    return { ...unsuccessfulCompletion(result.phase, result.error), node };
  }

  async close(): Promise<void> {
    this.closed = true;
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
