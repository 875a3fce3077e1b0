// The harness's own link to each MariaDB node, as the image's faultline_admin account: setup, the
// failover controller's probes, promotion and repointing. One connection per node, opened on first
// use and again after any failure; every statement has a deadline, so a paused or cut-off node
// costs a probe its timeout, never a hang.

import type { Runtime } from "../runtime/runtime.ts";
import { ADMIN, DATABASE, MysqlConnection, PORT } from "./connection.ts";
import type { SqlResult } from "../sql/transaction-body.ts";

const DEFAULT_TIMEOUT_MS = 2000;

export class AdminLinks {
  private readonly links = new Map<string, MysqlConnection>();

  constructor(private readonly runtime: Runtime) {}

  /** Runs one statement on `node` as the admin account; throws on any error or after timeoutMs. */
  async query(node: string, text: string, params: readonly (number | string | null)[] = [], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<SqlResult> {
    let link = this.links.get(node);
    if (!link || !link.usable) {
      link?.destroy();
      const { host } = this.runtime.node(node);
      // mysql2's connect timeout (2 s) covers the handshake too: a paused server accepts the TCP
      // connection but never greets.
      link = await MysqlConnection.open({ host, port: PORT }, ADMIN, { database: DATABASE });
      this.links.set(node, link);
    }
    try {
      return await link.query(text, params, timeoutMs);
    } catch (error) {
      // After a timeout mysql2 has closed the connection; after a server error it is fine.
      if (!link.usable) this.links.delete(node);
      throw error;
    }
  }

  /** The first row of a statement's answer, or undefined. */
  async row(node: string, text: string, timeoutMs?: number): Promise<Record<string, unknown> | undefined> {
    return (await this.query(node, text, [], timeoutMs)).rows[0];
  }

  /** Closes every link. */
  close(): void {
    for (const link of this.links.values()) link.destroy();
    this.links.clear();
  }
}
