// What MariaDB documents for each configuration (System.claimsFor); the run decides whether it held.
//
// Isolation (MariaDB's "SET TRANSACTION" page and InnoDB's "InnoDB Lock Modes"): SERIALIZABLE makes
// every plain SELECT a locking read — serializable on one server. REPEATABLE READ is the level's
// name and what the documentation promises ("all consistent reads within the same transaction read
// the snapshot established by the first read"); it is held against Adya's repeatable read
// (PL-2.99), which forbids lost updates and write skew — Jepsen found MySQL's does not keep that,
// and the run says whether MariaDB's does. With innodb_snapshot_isolation a write to a row changed
// since the snapshot is refused (error 1020), which MariaDB documents as snapshot isolation. READ
// COMMITTED is read committed.
//
// Async replication: writes go to one primary and replicate asynchronously, so a failover loses
// what no replica had received (AP with respect to failover, SEEDS C1; acknowledged writes are not
// claimed durable); reads on a replica lag
// (C15): with read-from=replica nothing stronger than eventual consistency is promised.
//
// Galera (Codership's "Isolation Levels" and MariaDB's "Galera Cluster known limitations"):
// transactions on one node keep InnoDB's isolation; between nodes Galera documents snapshot
// isolation by "first committer wins" certification at REPEATABLE READ and SERIALIZABLE
// (SERIALIZABLE only between transactions on the same node); a node outside the primary component
// refuses queries, so a partition's minority stops serving (CP). MariaDB lists lost updates and
// stale reads (wsrep_sync_wait=0) among the known limitations: the run reports what it observed.

import type { Claims } from "../system.ts";
import type { MysqlOptions } from "./options.ts";

type Model = NonNullable<Claims["model"]>;

export function mysqlClaims(options: MysqlOptions): Claims {
  const { topology, isolation } = options;
  if (topology === "galera") {
    const model: Model = isolation === "read-committed" ? "read-committed" : "snapshot-isolation";
    return {
      model,
      cap: "CP",
      notes: [
        `Galera 4, every node writable; transactions at ${isolation}; between nodes Galera documents snapshot isolation (first committer wins), SERIALIZABLE only within one node`,
        "a node outside the primary component refuses queries (error 1047): the minority side of a partition stops serving",
        `MariaDB's known limitations list lost updates and stale reads; wsrep_sync_wait=${options.wsrep_sync_wait}`,
      ],
    };
  }
  const model: Model =
    options["read-from"] === "replica"
      ? "eventual"
      : isolation === "serializable"
        ? "serializable"
        : isolation === "repeatable-read"
          ? options.innodb_snapshot_isolation
            ? "snapshot-isolation"
            : "repeatable-read"
          : "read-committed";
  return {
    model,
    cap: "AP",
    // Asynchronous replication acknowledges a commit before any replica has it ("Replication
    // Overview": the primary does not wait for replicas), so a failover may lose it.
    durable: false,
    notes: [
      "asynchronous replication with failover by Faultline's controller: a failover loses writes the old primary acknowledged and no replica had received (C1)",
      options["read-from"] === "replica" ? "transactions that only read run on a replica, which lags the primary: reads may be stale (C15)" : "every transaction runs on the primary",
      `transactions at ${isolation}${options.innodb_snapshot_isolation ? " with innodb_snapshot_isolation" : ""}`,
    ],
  };
}
