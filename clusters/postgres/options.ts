// The postgres system's `--opt` options (YAML `options:` alike). The replication options apply to
// a cluster of more than one node (docker runtime), under PostgreSQL's own names.

import { UsageError } from "../../harness/errors.ts";
import { declareOptions, type OptionValues } from "../options.ts";
import { DEFAULT_BINDIR } from "./binaries.ts";
import { DEFAULT_ISOLATION, ISOLATION_LEVELS } from "./isolation.ts";

const TOPOLOGIES = ["single", "streaming"] as const;

export const postgresOptions = declareOptions("postgres", {
  topology: {
    type: "choice",
    choices: TOPOLOGIES,
    default: "single",
    help: "single: one server (local or docker); streaming: a primary and streaming-replication standbys with failover by Faultline's controller (docker, --nodes ≥ 2)",
  },
  isolation: {
    type: "choice",
    choices: ISOLATION_LEVELS,
    default: DEFAULT_ISOLATION,
    help: "the isolation level every client transaction runs at (PostgreSQL's default_transaction_isolation)",
  },
  bindir: { type: "directory", default: DEFAULT_BINDIR, help: "local runtime: the directory holding initdb and postgres (pg_config --bindir)" },
  keepData: {
    type: "boolean",
    default: false,
    help: "keep the node's data directory (~40 MB) in the store after the run, e.g. to read its WAL with pg_waldump; the server log always stays",
  },
  "read-from": {
    type: "choice",
    choices: ["primary", "replica"],
    default: "primary",
    help: "replicated: where transactions that only read run — the primary, or a hot standby (the client's own node when it is one)",
  },
  synchronous_commit: {
    type: "choice",
    choices: ["on", "remote_apply", "remote_write", "local", "off"],
    default: "on",
    help: "replicated: what a commit waits for (with synchronous standbys: their flush, apply or write; local: this node only)",
  },
  synchronous_standbys: {
    type: "integer",
    min: 0,
    default: 0,
    help: "replicated: synchronous_standby_names = 'ANY n (*)': a commit waits for n standbys; 0 = asynchronous replication",
  },
  hot_standby: { type: "boolean", default: true, help: "replicated: standbys accept read-only connections while they replay" },
  recovery_min_apply_delay: { type: "integer", min: 0, default: 0, help: "replicated: milliseconds each standby holds back replaying a commit" },
  "failover-after-ms": {
    type: "integer",
    min: 200,
    default: 2000,
    help: "replicated: how long the controller waits with the primary unreachable, or no standby streaming from it, before promoting a standby",
  },
});

export type PostgresOptions = OptionValues<typeof postgresOptions.declared>;

/** The options, checked against the run's runtime and size. */
export function postgresSettings(options: Readonly<Record<string, unknown>>, runtime: "local" | "docker", nodes: number): PostgresOptions {
  const parsed = postgresOptions.parse(options);
  if (parsed.topology === "single" && nodes !== 1) {
    throw new UsageError(`postgres: topology=single runs one server, but the run has ${nodes} nodes; pass --nodes 1, or --opt topology=streaming --runtime docker for a primary with ${nodes - 1} standbys`);
  }
  if (parsed.topology === "streaming" && runtime !== "docker") {
    throw new UsageError("postgres: --opt topology=streaming runs on the docker runtime (standbys reach the primary over the run's network, which partitions cut); pass --runtime docker");
  }
  if (parsed.topology === "streaming" && nodes < 2) {
    throw new UsageError(`postgres: --opt topology=streaming needs a primary and at least one standby, the run has ${nodes} node; pass --nodes 3`);
  }
  if (parsed.synchronous_standbys > nodes - 1) {
    throw new UsageError(`postgres: --opt synchronous_standbys=${parsed.synchronous_standbys} asks for more standbys than the ${nodes}-node cluster has (${nodes - 1}), so every commit would wait forever; use at most ${nodes - 1}`);
  }
  return parsed;
}
