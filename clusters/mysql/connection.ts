// How Faultline talks to a MariaDB node: mysql2 connections over TCP to the node's port 3306, one
// per logical client and node, in the text protocol (no prepared statements, so nothing is cached
// on the server between ops). A connection whose socket failed is never reused: mysql2 marks it
// fatal and refuses further queries, and we open a fresh one for the next op.

import mysql from "mysql2/promise";
import type { SqlResult } from "../sql/transaction-body.ts";

export const PORT = 3306;
export const DATABASE = "faultline";
/** The accounts of the image's template data directory (image/accounts.sql). */
export const ADMIN = { user: "faultline_admin", password: "faultline-admin" } as const;
export const REPLICATOR = { user: "replicator", password: "replicator" } as const;
export const PROVISIONED_CLIENT = { user: "faultline", password: "faultline" } as const;

const CONNECT_TIMEOUT_MS = 2000;

export interface Endpoint {
  host: string;
  port: number;
}

export interface Credentials {
  user: string;
  password: string;
}

/** One mysql2 connection that knows whether it is still usable. */
export class MysqlConnection {
  private broken = false;

  private constructor(private readonly connection: mysql.Connection) {
    // A socket error after connect is reported here as well as to the query in flight; without a
    // listener it would be an uncaught exception.
    connection.on("error", () => {
      this.broken = true;
    });
  }

  static async open(endpoint: Endpoint, credentials: Credentials, options: { database?: string; timezone?: string } = {}): Promise<MysqlConnection> {
    const connection = await mysql.createConnection({
      host: endpoint.host,
      port: endpoint.port,
      user: credentials.user,
      password: credentials.password,
      database: options.database,
      connectTimeout: CONNECT_TIMEOUT_MS,
      // Numbers come back as numbers (our values are int), text as text.
      supportBigNumbers: true,
      bigNumberStrings: false,
      multipleStatements: false,
    });
    return new MysqlConnection(connection);
  }

  get usable(): boolean {
    return !this.broken;
  }

  /** Runs one statement; `timeoutMs` ends the wait (mysql2 then closes the connection). */
  async query(text: string, params: readonly (number | string | null)[] = [], timeoutMs?: number): Promise<SqlResult> {
    try {
      const [result] = await this.connection.query({ sql: text, values: [...params], timeout: timeoutMs });
      if (Array.isArray(result)) return { rows: result as Record<string, unknown>[], affected: 0 };
      // A ResultSetHeader: with FOUND_ROWS (mysql2's default) affectedRows counts the rows an
      // UPDATE matched, also those it left unchanged.
      return { rows: [], affected: (result as mysql.ResultSetHeader).affectedRows };
    } catch (error) {
      if ((error as { fatal?: boolean }).fatal) this.broken = true;
      throw error;
    }
  }

  /** Closes the socket at once; whatever is in flight fails. */
  destroy(): void {
    this.broken = true;
    this.connection.destroy();
  }
}

/** A mysql2 error with the server's error number (a server error, not a socket one). */
interface ServerError extends Error {
  errno: number;
  code: string;
  sqlState?: string;
  sqlMessage?: string;
  fatal?: boolean;
}

export function isServerError(error: unknown): error is ServerError {
  if (!(error instanceof Error)) return false;
  const candidate = error as Partial<ServerError>;
  return typeof candidate.errno === "number" && typeof candidate.sqlState === "string";
}

/** One line: the server's error name and number, or the socket's code, and the message. */
export function describeMysqlError(error: unknown): string {
  if (isServerError(error)) return `${error.code} (${error.errno}, SQLSTATE ${error.sqlState}): ${error.sqlMessage ?? error.message}`;
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
