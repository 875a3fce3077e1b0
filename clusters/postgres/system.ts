// PostgreSQL 15 as a system under test: one primary on the local runtime, judged by Elle
// (list-append, rw-register) and the bank checker at the isolation level chosen per run
// (options.ts lists the options). The bank's accounts and total follow workloads/bank.ts's
// initialBalances over the same options the bank checker is given.

import type { Claims, ClusterContext, System } from "../system.ts";
import type { Isolation } from "./isolation.ts";
import type { WorkloadOptions } from "../../workloads/workload.ts";
import { initialBalances } from "../../workloads/bank.ts";
import { clientsFrom } from "../client/planned-client.ts";
import { binariesIn } from "./binaries.ts";
import { openPostgresClient } from "./client.ts";
import { closeSql, openSql } from "./connection.ts";
import { postgresOptions } from "./options.ts";
import { postgresPlanners } from "./planners.ts";
import { createTables } from "../sql/planners.ts";
import { postgresDialect } from "./dialect.ts";
import { PostgresServer } from "./server.ts";
import { serverUser } from "./server-user.ts";

/** One server per run; the runtime is the run's identity (nemeses get a copy of the context). */
const servers = new WeakMap<ClusterContext["runtime"], PostgresServer>();

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

function claimsAt(isolation: Isolation): Claims {
  return {
    model: MODEL_AT[isolation],
    cap: "CP",
    notes: [
      `transactions run at ${isolation}${isolation === "repeatable-read" ? ", which PostgreSQL implements as snapshot isolation" : ""}; choose with --opt isolation=read-committed|repeatable-read|serializable (default serializable)`,
      "read committed allows lost updates in the bank transfer (read, then write computed balances)",
    ],
  };
}

export const postgresSystem: System = {
  name: "postgres",
  description: "PostgreSQL 15, one primary on the local runtime; each op is one transaction at --opt isolation (default serializable)",
  claims: claimsAt("serializable"),
  // Each isolation level claims what PostgreSQL documents for it (the "Transaction Isolation"
  // chapter of its manual): serializable is serializable; repeatable read is snapshot isolation,
  // which allows write skew (G2-item) — finding it refutes nothing PostgreSQL claimed; read
  // committed is read committed. The run is judged against the level chosen, and what else the
  // checker ruled out is reported beside it, not as the verdict.
  claimsFor: (options) => claimsAt(postgresOptions.parse(options).isolation),
  clients: clientsFrom(postgresPlanners, openPostgresClient),
  options: postgresOptions,
  localRequirements: (options) =>
    Object.values(binariesIn(postgresOptions.parse(options).bindir)).map((program) => ({
      program,
      package: "postgresql-15",
      otherwise: "or run scripts/install-postgres.sh, or pass --opt bindir=DIR with the server binaries",
    })),
  bugs: [],
  runtimes: ["local"],
  // One node, no peers: there is nothing for a partition to cut.
  partitionsOn: [],
  defaultNodes: 1,

  async setup(ctx) {
    if (ctx.runtime.kind !== "local") throw new Error(`postgres runs on the local runtime only, not ${ctx.runtime.kind}; use --runtime local`);
    if (ctx.nodes.length !== 1) {
      throw new Error(`postgres runs one primary without replication, but the run has ${ctx.nodes.length} nodes (${ctx.nodes.join(", ")}); use --nodes 1`);
    }
    const { isolation, bindir, keepData } = postgresOptions.parse(ctx.options);
    const balances = initialBalances(bankOptions(ctx));
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
    const server = serverOf(ctx);
    ctx.log(`postgres ${node}: restarting`);
    await server.restart();
    ctx.log(`postgres ${node}: ready after restart`);
  },

  async leader(ctx) {
    const node = ctx.nodes[0];
    return ctx.runtime.state(node) === "running" ? node : undefined;
  },

  async teardown(ctx) {
    const server = servers.get(ctx.runtime);
    if (!server) return;
    servers.delete(ctx.runtime);
    await server.stop();
  },
};
