// How Faultline talks to a PostgreSQL node: one postgres.js instance per logical client holding at
// most one connection, over TCP to the node's loopback port, as the superuser initdb created.
//
// The settings that matter for the history: no prepared statements, so postgres.js never re-runs
// a statement after "cached plan must not change result type" (its only automatic retry); no type
// fetch on connect, so the first statement on a connection is our BEGIN; no idle or lifetime
// timers, so a connection is never swapped out under a client between two ops; a short connect
// timeout, so an unreachable node fails an op quickly instead of hanging until the op's deadline.
//
// postgres.js reconnects on its own: a statement issued after its connection closed silently
// opens a new one. Within a transaction that would run the rest of it outside any transaction, so
// a Connection counts closes, and a transaction refuses to go on once the count moved.

import postgres from "postgres";

export type Sql = postgres.Sql;

export const SUPERUSER = "postgres";
export const DATABASE = "postgres";
const CONNECT_TIMEOUT_S = 2;

export interface Endpoint {
  host: string;
  port: number;
}

export function openSql(endpoint: Endpoint, applicationName: string, onClose: () => void = () => {}): Sql {
  return postgres({
    host: endpoint.host,
    port: endpoint.port,
    user: SUPERUSER,
    database: DATABASE,
    ssl: false,
    max: 1,
    prepare: false,
    fetch_types: false,
    connect_timeout: CONNECT_TIMEOUT_S,
    idle_timeout: 0,
    max_lifetime: null,
    // Notices ("there is no transaction in progress") say nothing the history needs.
    onnotice: () => {},
    connection: { application_name: applicationName },
    onclose: onClose,
  });
}

/** A postgres.js instance (at most one connection) that knows how often its connection closed. */
export class Connection {
  readonly sql: Sql;
  private closeCount = 0;

  constructor(endpoint: Endpoint, applicationName: string) {
    this.sql = openSql(endpoint, applicationName, () => this.closeCount++);
  }

  /** Connections closed so far; a statement issued after this moved may run on a new one. */
  get closes(): number {
    return this.closeCount;
  }

  close(): Promise<void> {
    return closeSql(this.sql);
  }
}

/** Closes every connection of `sql` at once, without waiting for statements in flight (a paused
 *  server would never answer them); they fail with CONNECTION_DESTROYED. */
export async function closeSql(sql: Sql): Promise<void> {
  await sql.end({ timeout: 0 });
}

/** Undefined when the server answers a query now; otherwise why it did not. */
export async function queryRefusal(endpoint: Endpoint): Promise<string | undefined> {
  const sql = openSql(endpoint, "faultline-probe");
  try {
    await sql.unsafe("select 1");
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await closeSql(sql);
  }
}
