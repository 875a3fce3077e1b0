// PostgreSQL 15 as a system under test, one concept in two topologies (--opt topology):
//   single     one primary, on the local runtime (child process, no root needed) or in a container;
//   streaming  a primary and hot standbys by streaming replication on the docker runtime, with
//              failover by Faultline's controller (replica-set.ts), as Patroni or repmgr would.
// Either way each op is one transaction at the isolation level chosen per run, through the shared
// SQL planners (clusters/sql) over PostgreSQL's dialect, judged by Elle (list-append,
// rw-register), the bank, set and linearizability checkers. Replication is a configuration of the
// same product with the same clients, errors and isolation semantics, not a different system; what
// it changes — where reads run, what a failover can lose — is in the claims per configuration.
// The bank's accounts and total follow workloads/bank.ts's initialBalances over the same options
// the bank checker is given.

import type { Claims, ClusterContext, System } from "../system.ts";
import type { Isolation } from "./isolation.ts";
import type { WorkloadOptions } from "../../workloads/workload.ts";
import { initialBalances } from "../../workloads/bank.ts";
import { sourcePath } from "../../harness/source-path.ts";
import { clientsFrom } from "../client/planned-client.ts";
import { stopServers } from "../lifecycle/stop.ts";
import { createTables } from "../sql/planners.ts";
import { binariesIn } from "./binaries.ts";
import { openPostgresClient } from "./client.ts";
import { closeSql, openSql } from "./connection.ts";
import { postgresDialect } from "./dialect.ts";
import { DOCKER_PORT } from "./docker-node.ts";
import { postgresOptions, postgresSettings, type PostgresOptions } from "./options.ts";
import { postgresPlanners } from "./planners.ts";
import { PostgresReplicaSet } from "./replica-set.ts";
import { PostgresServer } from "./server.ts";
import { serverUser } from "./server-user.ts";

/** One cluster per run; the runtime is the run's identity (nemeses get a copy of the context). */
const servers = new WeakMap<ClusterContext["runtime"], PostgresServer>();
const replicaSets = new WeakMap<ClusterContext["runtime"], PostgresReplicaSet>();

// The bank workload reads its settings from the options the checker is given: the run's system
// options (harness/verdicts/judge.ts), so the balances set up here are the ones the checker expects.
function bankOptions(ctx: ClusterContext): WorkloadOptions {
  // ClusterContext.options is an untyped record; WorkloadOptions only adds that keys is a number,
  // and bank settings ignore keys.
  return ctx.options as WorkloadOptions;
}

function serverOf(ctx: ClusterContext): PostgresServer {
  const server = servers.get(ctx.runtime);
  if (!server) throw new Error("postgres: this runtime has no server; call postgresSystem.setup(ctx) first");
  return server;
}

const MODEL_AT: Record<Isolation, NonNullable<Claims["model"]>> = {
  serializable: "serializable",
  "repeatable-read": "snapshot-isolation",
  "read-committed": "read-committed",
};

// Each isolation level claims what PostgreSQL documents for it (the "Transaction Isolation"
// chapter of its manual): serializable is serializable; repeatable read is snapshot isolation,
// which allows write skew (G2-item) — finding it refutes nothing PostgreSQL claimed; read
// committed is read committed. The run is judged against the level chosen, and what else the
// checker ruled out is reported beside it, not as the verdict.
//
// Streaming replication (the manual's "Log-Shipping Standby Servers"): asynchronous by default, so
// a failover can lose commits the primary acknowledged and no standby had received — AP with
// respect to failover. With synchronous standbys and synchronous_commit on, remote_write or
// remote_apply, a commit is acknowledged only once that many standbys have it, and the controller
// promotes the most advanced: no acknowledged commit should be lost (CP; a cut-off primary stops
// committing). Hot standbys answer from a replayed past: with read-from=replica only eventual
// consistency is promised.
function claimsAt(options: PostgresOptions): Claims {
  const { isolation } = options;
  const levelNote = `transactions run at ${isolation}${isolation === "repeatable-read" ? ", which PostgreSQL implements as snapshot isolation" : ""}; choose with --opt isolation=read-committed|repeatable-read|serializable (default serializable)`;
  const bankNote = "read committed allows lost updates in the bank transfer (read, then write computed balances)";
  if (options.topology === "single") return { model: MODEL_AT[isolation], cap: "CP", notes: [levelNote, bankNote] };
  const synchronous = options.synchronous_standbys > 0 && ["on", "remote_write", "remote_apply"].includes(options.synchronous_commit);
  return {
    model: options["read-from"] === "replica" ? "eventual" : MODEL_AT[isolation],
    cap: synchronous ? "CP" : "AP",
    // PostgreSQL's "Synchronous Replication" (26.2.8): only a synchronous commit waits for a
    // standby; an asynchronous one is acknowledged first, so a failover may lose it.
    durable: synchronous,
    notes: [
      levelNote,
      synchronous
        ? `synchronous replication (ANY ${options.synchronous_standbys}, synchronous_commit=${options.synchronous_commit}): a commit is acknowledged once a standby has it`
        : `asynchronous streaming replication (synchronous_commit=${options.synchronous_commit}): a failover can lose acknowledged commits`,
      options["read-from"] === "replica" ? "transactions that only read run on a hot standby, at most repeatable read there: they may see a stale past" : "every transaction runs on the primary",
    ],
  };
}

const openClient = openPostgresClient(
  (ctx) => replicaSets.get(ctx.runtime)?.route() ?? ((_plan, home) => ({ node: home })),
  (ctx) => postgresOptions.parse(ctx.options).isolation,
);

export const postgresSystem: System = {
  name: "postgres",
  description:
    "PostgreSQL 15: one server (local or docker), or with --opt topology=streaming a primary and hot standbys on docker with failover by Faultline's controller; each op is one transaction at --isolation (default serializable)",
  claims: claimsAt(postgresOptions.parse({})),
  claimsFor: (options) => claimsAt(postgresOptions.parse(options)),
  clients: clientsFrom(postgresPlanners, openClient),
  options: postgresOptions,
  localRequirements: (options) =>
    Object.values(binariesIn(postgresOptions.parse(options).bindir)).map((program) => ({
      program,
      package: "postgresql-15",
      otherwise: "or run scripts/install-postgres.sh, or pass --opt bindir=DIR with the server binaries",
    })),
  bugs: [],
  runtimes: ["local", "docker"],
  // One local server has no peers; standbys stream over the docker network, which partitions cut.
  partitionsOn: ["docker"],
  defaultNodes: 1,
  // pg_basebackup and streaming replication use the client port. A postmaster's backends are
  // processes of their own: the cgroup freezer pauses them all.
  docker: { image: { name: "postgres", context: sourcePath(new URL("./image", import.meta.url)) }, clientPort: DOCKER_PORT, peerPort: DOCKER_PORT, pauseWith: "freezer" },

  async setup(ctx) {
    const options = postgresSettings(ctx.options, ctx.runtime.kind, ctx.nodes.length);
    const balances = initialBalances(bankOptions(ctx));
    if (ctx.runtime.kind === "docker") {
      const set = new PostgresReplicaSet(ctx, options);
      replicaSets.set(ctx.runtime, set);
      ctx.log(`postgres: ${ctx.nodes.length} node(s) on docker, topology ${options.topology}, isolation ${options.isolation}, read-from ${options["read-from"]}`);
      await set.setup(balances);
      return;
    }
    const { isolation, bindir, keepData } = options;
    const binaries = binariesIn(bindir);
    const node = ctx.nodes[0];
    const server = new PostgresServer({ runtime: ctx.runtime, node, binaries, user: serverUser(), keepData, log: ctx.log });
    servers.set(ctx.runtime, server);
    ctx.log(`postgres ${node}: initdb in ${server.dataDir}, port ${server.endpoint.port}, isolation ${isolation}`);
    await server.initialise();
    await server.start();
    const sql = openSql(server.endpoint, "faultline-setup");
    try {
      await createTables(postgresDialect, (text, params = []) => sql.unsafe(text, [...params]), balances);
    } finally {
      await closeSql(sql);
    }
    ctx.log(`postgres ${node}: ready`);
  },

  async restartNode(ctx, node) {
    ctx.log(`postgres ${node}: restarting`);
    const set = replicaSets.get(ctx.runtime);
    if (set) await set.restart(node);
    else await serverOf(ctx).restart();
    ctx.log(`postgres ${node}: ready after restart`);
  },

  async leader(ctx) {
    const set = replicaSets.get(ctx.runtime);
    if (set) return set.controller?.primary;
    const node = ctx.nodes[0];
    return ctx.runtime.state(node) === "running" ? node : undefined;
  },

  async teardown(ctx) {
    const set = replicaSets.get(ctx.runtime);
    if (set) {
      replicaSets.delete(ctx.runtime);
      await set.stop();
      // SIGINT: PostgreSQL's fast shutdown (roll back open transactions, checkpoint, exit).
      await stopServers(ctx, "postgres", { signal: "SIGINT" });
      return;
    }
    const server = servers.get(ctx.runtime);
    if (!server) return;
    servers.delete(ctx.runtime);
    await server.stop();
  },
};
