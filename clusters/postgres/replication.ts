// PostgreSQL streaming replication as the failover controller (clusters/sql/failover.ts) drives it,
// from the manual's "High Availability, Load Balancing, and Replication" chapter: what a node says
// about itself (pg_is_in_recovery, its WAL positions, pg_stat_wal_receiver), promotion
// (pg_promote), repointing a standby (primary_conninfo is reloadable), fencing (every new
// transaction read-only, the clients' sessions ended).
//
// Positions are WAL LSNs. Unlike MariaDB's GTIDs they count every record, also those a restarted
// server writes itself (its end-of-recovery checkpoint), so an old primary always looks "past"
// the fork; it rejoins by pg_rewind instead (rewinds: true), which drops what only it had written.

import type { NodeReplication, ReplicationOps } from "../sql/failover.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { PostgresAdminLinks } from "./admin.ts";
import { primaryConninfo } from "./docker-node.ts";

const PROBE_TIMEOUT_MS = 1000;
const PROMOTE_WAIT_S = 10;

/** An LSN such as "0/3000148" as a number (exact below 2^53 bytes of WAL). */
export function lsnNumber(lsn: unknown): number {
  if (typeof lsn !== "string" || !lsn.includes("/")) return 0;
  const [high, low] = lsn.split("/");
  return parseInt(high, 16) * 2 ** 32 + parseInt(low, 16);
}

interface PostgresReplicationHooks {
  /** Turns a running primary that was replaced into a standby of `primary` (stop, pg_rewind,
   *  configure, start). */
  demote(node: string, primary: string): Promise<void>;
}

export function postgresReplication(runtime: Runtime, admin: PostgresAdminLinks, hooks: PostgresReplicationHooks): ReplicationOps {
  return {
    system: "postgres",
    rewinds: true,

    async probe(node): Promise<NodeReplication | undefined> {
      try {
        const [row] = await admin.query(
          node,
          `select pg_is_in_recovery() as standby,
                  case when pg_is_in_recovery() then null else pg_current_wal_lsn()::text end as written,
                  pg_last_wal_receive_lsn()::text as received, pg_last_wal_replay_lsn()::text as replayed,
                  (select count(*)::int from pg_stat_wal_receiver where status = 'streaming') as streaming`,
          [],
          PROBE_TIMEOUT_MS,
        );
        if (!row.standby) return { role: "primary", position: lsnNumber(row.written), receiving: false };
        return { role: "replica", position: Math.max(lsnNumber(row.received), lsnNumber(row.replayed)), receiving: Number(row.streaming) > 0 };
      } catch {
        return undefined;
      }
    },

    async promote(node) {
      // Replays what the standby received, ends recovery, and waits until it takes writes.
      const [row] = await admin.query(node, "select pg_promote(true, $1) as promoted", [PROMOTE_WAIT_S], (PROMOTE_WAIT_S + 2) * 1000);
      if (row.promoted !== true) throw new Error(`postgres on ${node}: pg_promote did not finish within ${PROMOTE_WAIT_S} s`);
    },

    async follow(node, primary) {
      const [row] = await admin.query(node, "select pg_is_in_recovery() as standby");
      if (!row.standby) {
        await hooks.demote(node, primary);
        return;
      }
      await admin.query(node, `alter system set primary_conninfo = '${primaryConninfo(runtime, primary, node)}'`);
      await admin.query(node, "select pg_reload_conf()");
    },

    async fence(node) {
      await admin.query(node, "alter system set default_transaction_read_only = on");
      await admin.query(node, "select pg_reload_conf()");
      await admin.query(node, "select pg_terminate_backend(pid) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()");
    },
  };
}
