// Elasticsearch 8.17 as a system under test: every node master-eligible and a data node, one test
// index with the run's shards and replicas, the set workload over documents and the register
// workload over single documents with optimistic concurrency (clusters/system.ts has the contract).
//
// Client: the official @elastic/elasticsearch, major 8 like the server, one client per process
// bound to its node (no retries, no sniffing): its typed errors carry the HTTP status and
// Elasticsearch's error type, which the outcome mapping needs, and it speaks point in time and
// search_after for reading a whole index. Docker only: the image carries the distribution from
// Maven Central (image/pom.xml); pauses freeze the whole container, because the launcher the
// runtime starts runs the server JVM as its child.

import { UsageError } from "../../harness/errors.ts";
import { clientsFrom } from "../client/planned-client.ts";
import { stopServers } from "../lifecycle/stop.ts";
import { waitUntil } from "../lifecycle/wait.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { ClusterContext, System } from "../system.ts";
import { openEsClient } from "./client.ts";
import { connectToNode } from "./connection.ts";
import { ELASTICSEARCH_IMAGE } from "./image.ts";
import { elasticsearchOptions, type ElasticsearchOptions } from "./options.ts";
import { esPlanners, INDEX } from "./planners.ts";
import { esProcessSpec, HTTP_PORT, TRANSPORT_PORT } from "./server.ts";
import { acceptsConnections } from "../lifecycle/port-probe.ts";

/** Generous: three JVMs starting at once on a loaded two-core machine took over two minutes. */
const FORM_WAIT_MS = 240_000;
const GREEN_WAIT_MS = 60_000;
const RESTART_WAIT_MS = 120_000;
const PROBE_TIMEOUT_MS = 2000;
const LOGS = "nodes/<node>/<node>.log and nodes/<node>/elasticsearch/ of the run";

function checkSettings(options: ElasticsearchOptions, nodes: number): void {
  const replicas = options["index.number_of_replicas"];
  if (replicas >= nodes) {
    throw new UsageError(
      `elasticsearch: --opt index.number_of_replicas=${replicas} needs ${replicas + 1} nodes (Elasticsearch never puts two copies of a shard on one node), the run has ${nodes}; the index would never go green: lower it or pass --nodes ${replicas + 1}`,
    );
  }
  const waitFor = options.wait_for_active_shards;
  if (waitFor !== "all" && Number(waitFor) > replicas + 1) {
    throw new UsageError(`elasticsearch: --opt wait_for_active_shards=${waitFor} exceeds the ${replicas + 1} copies of each shard, so every write would time out; lower it`);
  }
}

/** The names of the nodes in the cluster `node` belongs to, as its elected master has them. */
async function joinedNodes(runtime: Pick<Runtime, "node">, node: string): Promise<string[]> {
  const es = connectToNode(runtime, node, PROBE_TIMEOUT_MS);
  try {
    const nodes = await es.cat.nodes({ format: "json", h: "name" });
    return nodes.map((entry) => entry.name ?? "").filter((name) => name !== "");
  } catch {
    return [];
  } finally {
    await es.close();
  }
}

async function waitForCluster(ctx: ClusterContext, options: ElasticsearchOptions): Promise<void> {
  const views = new Map<string, string[]>();
  await waitUntil(
    ctx.runtime,
    {
      system: "elasticsearch",
      failure: () => {
        const best = [...views.values()].sort((a, b) => b.length - a.length)[0] ?? [];
        const missing = ctx.nodes.filter((node) => !best.includes(node));
        return `node(s) ${missing.join(", ")} did not join the cluster (waited for every node to see all ${ctx.nodes.length} nodes under one elected master; the largest cluster seen: ${best.join(", ") || "none"})`;
      },
      timeoutMs: FORM_WAIT_MS,
      pollMs: 1000,
      logs: LOGS,
      watch: ctx.nodes,
    },
    async () => {
      await Promise.all(ctx.nodes.map(async (node) => views.set(node, await joinedNodes(ctx.runtime, node))));
      return ctx.nodes.every((node) => ctx.nodes.every((member) => views.get(node)?.includes(member)));
    },
  );

  ctx.log(`elasticsearch: all nodes joined one cluster: ${ctx.nodes.join(", ")}`);

  const es = connectToNode(ctx.runtime, ctx.nodes[0]);
  const replicas = options["index.number_of_replicas"];
  let last = "no answer";
  try {
    await es.indices
      .create({ index: INDEX, settings: { number_of_shards: options["index.number_of_shards"], number_of_replicas: replicas } })
      .catch((error: unknown) => {
        const type = (error as { meta?: { body?: { error?: { type?: string } } } }).meta?.body?.error?.type;
        if (type === "resource_already_exists_exception") return;
        throw new UsageError(`elasticsearch: index ${INDEX} could not be created on ${ctx.nodes[0]}: ${(error as Error).message}`);
      });
    await waitUntil(
      ctx.runtime,
      {
        system: "elasticsearch",
        failure: () =>
          `index ${INDEX} did not go green (waited, asking ${ctx.nodes[0]}, for its ${options["index.number_of_shards"]} primary shard(s) and ${replicas} replica(s) of each to be started on the ${ctx.nodes.length} nodes; last health: ${last})`,
        timeoutMs: GREEN_WAIT_MS,
        pollMs: 500,
        logs: LOGS,
        watch: ctx.nodes,
      },
      async () => {
        try {
          const health = await es.cluster.health({ index: INDEX, wait_for_status: "green", timeout: "1s" });
          last = `${health.status}, ${health.active_shards} active, ${health.unassigned_shards} unassigned, ${health.initializing_shards} initializing`;
          return health.status === "green" && !health.timed_out;
        } catch (error) {
          last = (error as Error).message;
          return false;
        }
      },
    );
  } finally {
    await es.close();
  }
}

/** The bootstrap checks that failed on each node, as its log has them (in development mode a
 *  failed check is a warning; server.ts says why the nodes run in it). What a production
 *  deployment would have refused to start with, said in the run's log. */
async function failedBootstrapChecks(ctx: ClusterContext): Promise<string[]> {
  const lines = await Promise.all(
    ctx.nodes.map(async (node) => {
      const found = await ctx.runtime.exec(node, "sh", ["-c", "grep -h 'o.e.b.BootstrapChecks' /var/log/faultline/elasticsearch/*.log 2>/dev/null || true"]).catch(() => undefined);
      const checks = (found?.stdout ?? "")
        .split("\n")
        .map((line) => /\[o\.e\.b\.BootstrapChecks\s*\]\s*\[[^\]]*\]\s*(.*?)(?:; for more information.*)?$/.exec(line.trim())?.[1])
        .filter((check): check is string => check !== undefined && check !== "");
      return [...new Set(checks)].map((check) => `${node}: ${check}`);
    }),
  );
  return lines.flat();
}

/** The elected master as most running nodes see it (each answering from its own cluster state: an
 *  isolated old master may still name itself for a while). */
async function electedMaster(ctx: Pick<ClusterContext, "runtime" | "nodes">): Promise<string | undefined> {
  const answers = await Promise.all(
    ctx.nodes
      .filter((node) => ctx.runtime.state(node) === "running")
      .map(async (node) => {
        const es = connectToNode(ctx.runtime, node, PROBE_TIMEOUT_MS);
        try {
          const [master] = await es.cat.master({ format: "json", local: true });
          return master?.node;
        } catch {
          return undefined;
        } finally {
          await es.close();
        }
      }),
  );
  const votes = new Map<string, number>();
  for (const answer of answers) if (answer && ctx.nodes.includes(answer)) votes.set(answer, (votes.get(answer) ?? 0) + 1);
  return [...votes].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** The node holding most started primary shards of the test index, as most running nodes' own
 *  cluster state has it (GET _cluster/state/routing_table,nodes/<index>?local: the routing table
 *  names each copy's node by id, the nodes section maps ids to node names). */
async function primaryHolder(ctx: Pick<ClusterContext, "runtime" | "nodes">): Promise<string | undefined> {
  const answers = await Promise.all(
    ctx.nodes
      .filter((node) => ctx.runtime.state(node) === "running")
      .map(async (node) => {
        const es = connectToNode(ctx.runtime, node, PROBE_TIMEOUT_MS);
        try {
          const state = (await es.cluster.state({ metric: ["routing_table", "nodes"], index: INDEX, local: true })) as RoutingState;
          const primaries = new Map<string, number>();
          for (const copies of Object.values(state.routing_table?.indices?.[INDEX]?.shards ?? {})) {
            for (const copy of copies) {
              const name = copy.node ? state.nodes?.[copy.node]?.name : undefined;
              if (copy.primary && copy.state === "STARTED" && name) primaries.set(name, (primaries.get(name) ?? 0) + 1);
            }
          }
          return [...primaries].sort((a, b) => b[1] - a[1])[0]?.[0];
        } catch {
          return undefined;
        } finally {
          await es.close();
        }
      }),
  );
  const votes = new Map<string, number>();
  for (const answer of answers) if (answer && ctx.nodes.includes(answer)) votes.set(answer, (votes.get(answer) ?? 0) + 1);
  return [...votes].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** The parts of a cluster state answer primaryHolder reads. */
interface RoutingState {
  routing_table?: { indices?: Record<string, { shards?: Record<string, { primary?: boolean; state?: string; node?: string | null }[]> }> };
  nodes?: Record<string, { name?: string }>;
}

/** What Elasticsearch documents for this version (8.17 reference: "Reading and writing documents",
 *  "Get API", "Optimistic concurrency control", "Near real-time search"). */
const CLAIM_NOTES = [
  "a write is acknowledged once the primary and every in-sync replica have it; a node without an elected master refuses writes (no master block)",
  "Elasticsearch claims no linearizability: a read goes to one copy of the shard, which a partition may leave behind",
  "if_seq_no/if_primary_term make a conditional write apply only to the version read (optimistic concurrency)",
];

const READ_NOTES: Readonly<Record<ElasticsearchOptions["reads"], string>> = {
  get: "register reads are realtime GETs (--opt reads=get): the copy on the client's node answers from its translog, without waiting for a refresh; a copy cut off by a partition may be stale",
  search:
    "register reads are searches (--opt reads=search): a search sees only what the last refresh (every 1 s by default) made visible on the copy it asks, so it may miss acknowledged writes even without faults",
};

export const elasticsearchSystem: System = {
  name: "elasticsearch",
  description:
    "Elasticsearch 8.17 from Maven Central on Debian's OpenJDK 17, client @elastic/elasticsearch 8; set over documents (read-all through a point in time), " +
    "register over one document with if_seq_no/if_primary_term, realtime GET or search reads. Docker only",
  // Elasticsearch documents an acknowledged index operation as durable once its copies have it in
  // their translogs (index.translog.durability=request, the default).
  claims: { cap: "CP", durable: true, notes: [...CLAIM_NOTES, READ_NOTES.get] },
  // How register reads are made changes what they promise: the report says which it was.
  claimsFor: (options) => ({ cap: "CP", durable: true, notes: [...CLAIM_NOTES, READ_NOTES[elasticsearchOptions.parse(options).reads]] }),
  clients: clientsFrom(esPlanners, openEsClient),
  options: elasticsearchOptions,
  bugs: [],
  runtimes: ["docker"],
  defaultNodes: 3,
  docker: { image: ELASTICSEARCH_IMAGE, clientPort: HTTP_PORT, peerPort: TRANSPORT_PORT, pauseWith: "freezer" },

  async setup(ctx) {
    const options = elasticsearchOptions.parse(ctx.options);
    checkSettings(options, ctx.nodes.length);
    const clusterName = `faultline-${ctx.rng.nextUint32().toString(16)}`;
    const infos = ctx.nodes.map((node) => ctx.runtime.node(node));
    await Promise.all(ctx.nodes.map((node) => ctx.runtime.start(node, esProcessSpec(infos, node, clusterName, options))));
    await waitForCluster(ctx, options);
    for (const check of await failedBootstrapChecks(ctx)) ctx.log(`elasticsearch: bootstrap check failed (a warning in development mode; production mode would refuse to start): ${check}`);
    ctx.log(`elasticsearch: cluster ${clusterName} up, index ${INDEX} green, elected master ${(await electedMaster(ctx)) ?? "unknown"}, most primaries on ${(await primaryHolder(ctx)) ?? "unknown"}`);
  },

  async restartNode(ctx, node) {
    await ctx.runtime.restart(node);
    // Only that the node serves HTTP: one restarted on the minority side of a partition cannot
    // join a cluster until the partition heals.
    const info = ctx.runtime.node(node);
    await waitUntil(
      ctx.runtime,
      { system: "elasticsearch", failure: `node ${node} did not accept connections on ${HTTP_PORT} after its restart`, timeoutMs: RESTART_WAIT_MS, pollMs: 500, logs: LOGS, watch: [node] },
      () => acceptsConnections(info.host, HTTP_PORT, PROBE_TIMEOUT_MS),
    );
  },

  // The elected master coordinates the cluster; a shard's primary takes its writes and forwards
  // them to the replicas. --opt leader picks which one the leader fault modes strike.
  leader(ctx) {
    return elasticsearchOptions.parse(ctx.options).leader === "primary" ? primaryHolder(ctx) : electedMaster(ctx);
  },

  async teardown(ctx) {
    // SIGTERM: the launcher stops the server, which closes its shards and translogs.
    await stopServers(ctx, "elasticsearch", { graceMs: 10_000 });
  },
};
