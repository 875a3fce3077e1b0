// Faultline's own Raft key-value store as a system under test: how to start its nodes on a
// runtime, find the leader, and open a client for each workload (clients/planners.ts has one
// planner per workload; clusters/system.ts has the contract).

import { nodeProgramArgs, sourcePath } from "../../harness/source-path.ts";
import type { ImageSource } from "../runtime/docker/images/names.ts";
import type { ProcessSpec } from "../runtime/runtime.ts";
import type { ClusterContext, System } from "../system.ts";
import { clientsFrom } from "../client/planned-client.ts";
import { stopServers } from "../lifecycle/stop.ts";
import { waitUntil } from "../lifecycle/wait.ts";
import { isRaftBug, RAFT_BUGS } from "./bugs.ts";
import { raftFaultHooks } from "./fault-hooks.ts";
import { fetchInfo, findLeader } from "./info.ts";
import { raftPlanners } from "./clients/planners.ts";
import { openRaftClient } from "./clients/raft-client.ts";
import { RAFT_OPTION_FLAGS, raftOptions } from "./options.ts";
import type { Endpoint } from "./redis-connection.ts";

/** Our own nodes' image, for any of our systems that runs on the same Node.js setup (ZAB). */
const OWN_NODES_IMAGE: ImageSource = { name: "raft", context: sourcePath(new URL("./image", import.meta.url)) };
/** How `node` runs main.ts: compiled (dist/…/main.js) when this harness runs compiled, so a node
 *  starts — and restarts after a kill — without compiling TypeScript; else through tsx. */
const MAIN_PROGRAM = nodeProgramArgs(import.meta.url, "./main");
const LEADER_WAIT_MS = 30_000;
const RESTART_WAIT_MS = 15_000;
const LOGS = "nodes/<node>/ of the run (stdout.log on the local runtime, <node>.log on docker) for elections and peer link errors";

function endpointOf(ctx: ClusterContext, node: string): Endpoint {
  const info = ctx.runtime.node(node);
  return { node, host: info.host, port: info.clientPort };
}

/** The command line that starts `node` (exported for tests and `faultline up`-style tooling). */
export function nodeProcessSpec(ctx: ClusterContext, node: string): ProcessSpec {
  const info = ctx.runtime.node(node);
  const options = raftOptions.parse(ctx.options);
  for (const bug of ctx.bugs) {
    if (!isRaftBug(bug)) throw new Error(`raft: unknown bug ${bug}; known bugs: ${RAFT_BUGS.map((b) => b.name).join(", ")}`);
  }
  const others = ctx.nodes.filter((other) => other !== node);
  const peers = others.map((other) => {
    const address = ctx.runtime.peerAddress(node, other);
    return `${other}=${address.host}:${address.port}`;
  });
  const clientAddresses = ctx.nodes.map((name) => `${name}=${ctx.runtime.node(name).host}:${ctx.runtime.node(name).clientPort}`);
  const args = [
    ...MAIN_PROGRAM,
    "--name", node,
    // In a container the node's address belongs to its network interface; listen on all of them.
    "--host", ctx.runtime.kind === "docker" ? "0.0.0.0" : info.host,
    "--client-port", String(info.clientPort),
    "--peer-port", String(info.peerPort),
    "--peers", peers.join(","),
    "--client-addresses", clientAddresses.join(","),
    "--data-dir", info.dataDir,
    "--storage", options.storage,
    // Election timeouts come from the run's seed, so a run's elections can be replayed.
    "--seed", String(ctx.rng.nextUint32()),
  ];
  for (const bug of ctx.bugs) args.push("--bug", bug);
  for (const [option, flag] of Object.entries(RAFT_OPTION_FLAGS)) args.push(flag, String(options[option as keyof typeof RAFT_OPTION_FLAGS]));
  return { command: process.execPath, args };
}

/** Waits until every node answers and all name the same leader, so that a client bound to any
 *  node is served from the first op. */
async function waitForAgreedLeader(ctx: ClusterContext, timeoutMs: number): Promise<string> {
  let last = "no node answered";
  let agreed = "";
  const failure = () => `the nodes did not agree on a leader (${last})`;
  await waitUntil(ctx.runtime, { system: "raft", failure, timeoutMs, pollMs: 100, logs: LOGS, watch: ctx.nodes }, async () => {
    const reports = await Promise.all(ctx.nodes.map((node) => fetchInfo(endpointOf(ctx, node), 500)));
    const leaders = new Set(reports.map((report) => report?.leader));
    agreed = reports[0]?.leader ?? "";
    if (agreed && leaders.size === 1 && reports.every((report) => report !== undefined)) return true;
    last = ctx.nodes.map((node, i) => `${node}: ${reports[i] ? `${reports[i].role}, leader ${reports[i].leader || "unknown"}` : "no answer"}`).join("; ");
    return false;
  });
  return agreed;
}

export const raftSystem: System = {
  name: "raft",
  description: "Faultline's own Raft key-value store over RESP: writes through the log, reads by ReadIndex, MULTI/EXEC as one entry",
  claims: {
    model: "linearizable",
    cap: "CP",
    notes: [
      "only the leader serves; followers answer REDIRECT, a minority side answers NOLEADER or times out",
      "reads are linearizable via ReadIndex (unless the stale-read bug is on)",
      "with --storage power-loss a killed node loses what it had not fsynced, as after a power cut",
    ],
  },
  clients: clientsFrom(raftPlanners, (makePlanner, ctx, node, workload) =>
    openRaftClient({ home: node, endpoint: (name) => (ctx.nodes.includes(name) ? endpointOf(ctx, name) : undefined), options: ctx.options, namespace: workload }, makePlanner),
  ),
  options: raftOptions,
  bugs: RAFT_BUGS,
  runtimes: ["local", "docker"],
  defaultNodes: 5,
  docker: { image: OWN_NODES_IMAGE, clientPort: 7000, peerPort: 7100, mountRepo: true },
  faults: raftFaultHooks,

  async setup(ctx) {
    for (const node of ctx.nodes) await ctx.runtime.start(node, nodeProcessSpec(ctx, node));
    const leader = await waitForAgreedLeader(ctx, LEADER_WAIT_MS);
    ctx.log(`raft: ${leader} is leader`);
  },

  async restartNode(ctx, node) {
    await ctx.runtime.restart(node);
    const answered = { system: "raft", failure: `node ${node} did not answer INFO after its restart`, timeoutMs: RESTART_WAIT_MS, pollMs: 100, logs: `${node}'s stdout.log` };
    await waitUntil(ctx.runtime, answered, async () => (await fetchInfo(endpointOf(ctx, node), 500)) !== undefined);
  },

  async leader(ctx) {
    return findLeader(ctx.nodes.map((node) => endpointOf(ctx, node)), 500);
  },

  async teardown(ctx) {
    // A graceful stop closes the WAL cleanly.
    await stopServers(ctx, "raft");
  },
};
