// The harness's own link to each PostgreSQL node of a replicated cluster (docker runtime), as the
// superuser: setup, and the failover controller's probes, promotion and repointing. One postgres.js
// connection per node, opened on first use and again after any failure; every statement has a
// deadline, so a frozen or cut-off node costs a probe its timeout, never a hang.

import type { Runtime } from "../runtime/runtime.ts";
import { closeSql, openSql, type Sql } from "./connection.ts";

const DEFAULT_TIMEOUT_MS = 2000;

export class PostgresAdminLinks {
  private readonly links = new Map<string, Sql>();

  constructor(
    private readonly runtime: Runtime,
    private readonly port: number,
  ) {}

  /** Rows of one statement on `node`; throws on any error or after timeoutMs. */
  async query(node: string, text: string, params: readonly (string | number)[] = [], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Record<string, unknown>[]> {
    let sql = this.links.get(node);
    if (!sql) {
      sql = openSql({ host: this.runtime.node(node).host, port: this.port }, "faultline-admin");
      this.links.set(node, sql);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${node} did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return [...(await Promise.race([sql.unsafe(text, [...params]), timeout]))] as Record<string, unknown>[];
    } catch (error) {
      // The connection may be stuck behind the statement that timed out, or gone: start afresh.
      this.drop(node);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Forgets `node`'s link (its server is about to stop). */
  drop(node: string): void {
    const sql = this.links.get(node);
    this.links.delete(node);
    if (sql) closeSql(sql).catch(() => {});
  }

  close(): void {
    for (const node of [...this.links.keys()]) this.drop(node);
  }
}
