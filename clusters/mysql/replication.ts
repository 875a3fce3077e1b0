// MariaDB's asynchronous GTID replication, as the failover controller (clusters/sql/failover.ts)
// drives it: what a node says about itself, promotion, repointing, fencing — each a few statements
// from MariaDB's "Global Transaction ID" and "CHANGE MASTER TO" documentation.
//
// Positions are GTID sequence numbers. With one replication domain (every write goes to the one
// primary) and gtid_strict_mode, sequence numbers grow by one along the line of history whichever
// server wrote them, so the larger number is the more advanced node, and a node whose number is
// past the point a new primary was promoted at holds writes that line lacks.

import type { NodeReplication, ReplicationOps } from "../sql/failover.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { AdminLinks } from "./admin.ts";
import { PORT, REPLICATOR } from "./connection.ts";

const PROBE_TIMEOUT_MS = 1000;
/** How long a promoted replica may take to apply what it had received. */
const APPLY_WAIT_S = 10;

/** The largest sequence number in a GTID list such as "0-1-105" or "0-1-105,1-2-7" (0 if empty). */
export function gtidSequence(list: unknown): number {
  if (typeof list !== "string" || list.trim() === "") return 0;
  return Math.max(...list.split(",").map((gtid) => Number(gtid.trim().split("-")[2] ?? 0)));
}

export function mariadbReplication(runtime: Runtime, admin: AdminLinks, settings: { masterDelayS: number }): ReplicationOps {
  const slaveStatus = async (node: string, timeoutMs = PROBE_TIMEOUT_MS) => (await admin.query(node, "show slave status", [], timeoutMs)).rows[0];
  return {
    system: "mysql",

    async probe(node): Promise<NodeReplication | undefined> {
      try {
        const own = await admin.row(node, "select @@read_only as ro, @@gtid_current_pos as cur, @@gtid_binlog_pos as bin", PROBE_TIMEOUT_MS);
        const replica = await slaveStatus(node);
        if (replica && replica.Master_Host) {
          return { role: "replica", position: Math.max(gtidSequence(replica.Gtid_IO_Pos), gtidSequence(own?.cur)), receiving: replica.Slave_IO_Running === "Yes" };
        }
        return { role: "primary", position: gtidSequence(own?.bin), receiving: false };
      } catch {
        return undefined;
      }
    },

    async promote(node) {
      await admin.query(node, "stop slave io_thread");
      const received = (await slaveStatus(node))?.Gtid_IO_Pos;
      if (typeof received === "string" && received !== "") {
        // Apply what the relay log holds before taking writes, or those events would come after
        // the new primary's own and break the order every other node follows.
        await admin.query(node, "select master_gtid_wait(?, ?) as waited", [received, APPLY_WAIT_S], (APPLY_WAIT_S + 2) * 1000);
      }
      await admin.query(node, "stop slave");
      await admin.query(node, "reset slave all");
      await admin.query(node, "set global read_only = 0");
    },

    async follow(node, primary) {
      await admin.query(node, "set global read_only = 1");
      await admin.query(node, "stop slave");
      await admin.query(
        node,
        "change master to master_host = ?, master_port = ?, master_user = ?, master_password = ?, master_use_gtid = current_pos, master_connect_retry = 1, master_heartbeat_period = 0.5, master_delay = ?",
        [runtime.node(primary).host, PORT, REPLICATOR.user, REPLICATOR.password, settings.masterDelayS],
      );
      await admin.query(node, "start slave");
    },

    async resume(node) {
      await admin.query(node, "set global read_only = 0");
    },

    async fence(node) {
      await admin.query(node, "set global read_only = 1");
    },
  };
}
