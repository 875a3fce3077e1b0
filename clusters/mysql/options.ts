// The mysql system's `--opt` options (YAML `options:` alike), under MariaDB's and Galera's own names
// where they are the product's settings.

import { UsageError } from "../../harness/errors.ts";
import { declareOptions, type OptionValues } from "../options.ts";
import { ISOLATION_LEVELS } from "../sql/isolation.ts";
import { PROVISIONED_CLIENT } from "./connection.ts";

const TOPOLOGIES = ["async", "galera"] as const;

export const mysqlOptions = declareOptions("mysql", {
  topology: {
    type: "choice",
    choices: TOPOLOGIES,
    default: "async",
    help: "async: one primary, GTID replicas, failover by Faultline's controller; galera: every node writable (Galera 4)",
  },
  isolation: {
    type: "choice",
    choices: ISOLATION_LEVELS,
    // MariaDB's own default (transaction_isolation).
    default: "repeatable-read",
    help: "the isolation level every client transaction runs at (MariaDB's transaction_isolation)",
  },
  "read-from": {
    type: "choice",
    choices: ["primary", "replica"],
    default: "primary",
    help: "async: where transactions that only read run — the primary, or a replica (the client's own node when it is one)",
  },
  innodb_snapshot_isolation: {
    type: "boolean",
    default: false,
    help: "InnoDB refuses (error 1020) a write to a row changed since the transaction's snapshot, at repeatable read",
  },
  wsrep_sync_wait: {
    type: "integer",
    min: 0,
    max: 15,
    default: 0,
    help: "galera: causality checks before reads (1) and other statements (bitmask); 0 reads the node's own state",
  },
  master_delay: {
    type: "integer",
    min: 0,
    default: 0,
    help: "async: seconds each replica holds every event back (CHANGE MASTER TO MASTER_DELAY); setup waits for replicas to catch up",
  },
  "failover-after-ms": {
    type: "integer",
    min: 200,
    default: 2000,
    help: "async: how long the controller waits with the primary unreachable, or no replica connected to it, before promoting a replica",
  },
  user: { type: "text", default: PROVISIONED_CLIENT.user, help: "the account clients log in as (the image provisions faultline, password faultline)" },
  password: { type: "text", default: PROVISIONED_CLIENT.password, help: "the password clients log in with" },
});

export type MysqlOptions = OptionValues<typeof mysqlOptions.declared>;

/** The options, checked against the run. */
export function mysqlSettings(options: Readonly<Record<string, unknown>>, nodes: number): MysqlOptions {
  const parsed = mysqlOptions.parse(options);
  if (parsed.topology === "galera" && nodes < 3) {
    throw new UsageError(`mysql: --opt topology=galera needs at least 3 nodes (a 2-node Galera cluster loses its primary component when either node goes), the run has ${nodes}; pass --nodes 3`);
  }
  if (parsed.topology === "galera" && parsed["read-from"] === "replica") {
    throw new UsageError("mysql: --opt read-from=replica is for topology=async; on Galera every node is writable and each client uses its own node");
  }
  return parsed;
}
