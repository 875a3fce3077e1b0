// Faultline's own ZAB ensemble as a system under test: servers that speak ZooKeeper's client
// protocol (node.ts), driven by the same client as real ZooKeeper (ZooKeeper's C client, npm
// `zookeeper`; clusters/zookeeper/client.ts) with the same planners, so that the two compare side
// by side. The leader and readiness come from the servers' `srvr` answers, as for ZooKeeper.
//
// Writes go through the leader and are linearizable; a read is answered by the server the session
// is on, which may lag the leader (sequential consistency). With --opt sync=true each read is
// preceded by sync(path), which makes that server catch up first (SEEDS C3). Peer traffic is our
// frames, so on the local runtime it passes the fault proxy: partitions work on both runtimes.

import { nodeProgramArgs, sourcePath } from "../../harness/source-path.ts";
import type { ImageSource } from "../runtime/docker/images/names.ts";
import type { ProcessSpec } from "../runtime/runtime.ts";
import type { ClusterContext, System } from "../system.ts";
import { stopServers } from "../lifecycle/stop.ts";
import { waitUntil } from "../lifecycle/wait.ts";
import { zooKeeperClients } from "../zookeeper/client.ts";
import { isZkError, ZkConnection } from "../zookeeper/connection.ts";
import { ZK_ERRORS } from "../zookeeper/native-client.ts";
import { findLeader, serverReport } from "../zookeeper/four-letter.ts";
import { PARENT_PATHS } from "../zookeeper/planners.ts";
import { isZabBug, ZAB_BUGS } from "./bugs.ts";
import { ZAB_OPTION_FLAGS, zabOptions } from "./options.ts";

/** Our own nodes' image (clusters/raft/image): the harness's Node.js running this repository. */
const OWN_NODES_IMAGE: ImageSource = { name: "raft", context: sourcePath(new URL("../raft/image", import.meta.url)) };
/** How `node` runs main.ts: compiled when the harness runs compiled, else through tsx. */
const MAIN_PROGRAM = nodeProgramArgs(import.meta.url, "./main");
const READY_WAIT_MS = 30_000;
const RESTART_WAIT_MS = 15_000;
const PROBE_TIMEOUT_MS = 500;
const POLL_MS = 100;
/** Times setup waits for a leader and creates the parent paths when the leader changed meanwhile. */
const SETUP_ATTEMPTS = 3;
const LOGS = "the nodes' stdout.log for elections and peer link errors";

/** The command line that starts `node` (exported for tests and benchmarks). */
export function nodeProcessSpec(ctx: ClusterContext, node: string): ProcessSpec {
  const info = ctx.runtime.node(node);
  const options = zabOptions.parse(ctx.options);
  for (const bug of ctx.bugs) {
    if (!isZabBug(bug)) throw new Error(`zab: unknown bug ${bug}; known bugs: ${ZAB_BUGS.map((b) => b.name).join(", ")}`);
  }
  const peers = ctx.nodes
    .filter((other) => other !== node)
    .map((other) => {
      const address = ctx.runtime.peerAddress(node, other);
      return `${other}=${address.host}:${address.port}`;
    });
  const args = [
    ...MAIN_PROGRAM,
    "--name", node,
    // In a container the node's address belongs to its network interface; listen on all of them.
    "--host", ctx.runtime.kind === "docker" ? "0.0.0.0" : info.host,
    "--client-port", String(info.clientPort),
    "--peer-port", String(info.peerPort),
    "--peers", peers.join(","),
    "--data-dir", info.dataDir,
    // Connection names and snapshot counts come from the run's seed.
    "--seed", String(ctx.rng.nextUint32()),
  ];
  for (const bug of ctx.bugs) args.push("--bug", bug);
  for (const [option, flag] of Object.entries(ZAB_OPTION_FLAGS)) args.push(flag, String(options[option as keyof typeof ZAB_OPTION_FLAGS]));
  return { command: process.execPath, args };
}

export const zabSystem: System = {
  name: "zab",
  description:
    "Faultline's own ZAB ensemble (fast leader election, DIFF/TRUNC/SNAP sync, a ZooKeeper data tree) speaking ZooKeeper's client protocol, " +
    "driven by ZooKeeper's C client like the zookeeper system: register via getData/setData with versions, set as znodes, lock as an ephemeral node, unique ids as sequential nodes",
  claims: {
    model: "sequential",
    cap: "CP",
    notes: ["writes linearizable; reads served by the client's own server may be stale unless preceded by sync", "with --opt storage=power-loss a killed server loses what it had not fsynced, as after a power cut"],
  },
  // With sync before every read a server first applies everything committed before the sync, and
  // our sync is a quorum round (a no-op proposal), so the read sees every write that completed
  // before it began.
  claimsFor: (options) =>
    zabOptions.parse(options).sync ? { model: "linearizable", cap: "CP", notes: ["--opt sync=true: every read is preceded by sync(path), so it sees every write committed before it began"] } : zabSystem.claims,
  clients: zooKeeperClients("zab", (options) => zabOptions.parse(options)),
  options: zabOptions,
  bugs: ZAB_BUGS,
  runtimes: ["local", "docker"],
  defaultNodes: 3,
  docker: { image: OWN_NODES_IMAGE, clientPort: 2181, peerPort: 2888, mountRepo: true },

  async setup(ctx) {
    zabOptions.parse(ctx.options);
    if (ctx.nodes.length % 2 === 0) ctx.log(`zab: an ensemble of ${ctx.nodes.length} tolerates no more failures than one of ${ctx.nodes.length - 1}`);
    for (const node of ctx.nodes) await ctx.runtime.start(node, nodeProcessSpec(ctx, node));
    let last = "no server answered";
    const elected = {
      system: "zab",
      failure: () => `the ensemble did not elect a leader with every server following (${last})`,
      timeoutMs: READY_WAIT_MS,
      pollMs: POLL_MS,
      logs: LOGS,
      watch: ctx.nodes,
    };
    // Servers that start one after another may still change leader once all follow one (a server
    // that promised a later epoch to an attempt that never established makes the leader step
    // down), and leaving broadcast closes client connections: then wait and create again.
    for (let attempt = 1; ; attempt++) {
      await waitUntil(ctx.runtime, elected, async () => {
        const reports = await Promise.all(ctx.nodes.map((node) => serverReport(ctx.runtime, node, PROBE_TIMEOUT_MS)));
        last = ctx.nodes.map((node, i) => `${node}: ${reports[i]?.mode ?? "not serving"}`).join(", ");
        const modes = reports.map((report) => report?.mode);
        return modes.filter((mode) => mode === "leader").length === 1 && modes.every((mode) => mode === "leader" || mode === "follower");
      });
      const leader = (await findLeader(ctx.runtime, ctx.nodes, PROBE_TIMEOUT_MS)) ?? ctx.nodes[0];
      try {
        await createParents(ctx, leader);
        ctx.log(`zab: ensemble up, ${leader} leads`);
        return;
      } catch (error) {
        // Connection loss: the server left broadcast and closed the session's connection.
        if (!isZkError(error, ZK_ERRORS.CONNECTION_LOSS) || attempt >= SETUP_ATTEMPTS) throw error;
        ctx.log(`zab: ${(error as Error).message} on ${leader} during setup: the ensemble changed leader; waiting for it again (attempt ${attempt + 1} of ${SETUP_ATTEMPTS})`);
      }
    }
  },

  async restartNode(ctx, node) {
    await ctx.runtime.restart(node);
    // Only that the server answers: on the minority side of a partition it cannot join a quorum.
    const answered = { system: "zab", failure: `the server on ${node} did not answer srvr after its restart`, timeoutMs: RESTART_WAIT_MS, pollMs: POLL_MS, logs: `${node}'s stdout.log` };
    await waitUntil(ctx.runtime, answered, async () => (await serverReport(ctx.runtime, node, PROBE_TIMEOUT_MS)) !== undefined);
  },

  async leader(ctx) {
    return findLeader(ctx.runtime, ctx.nodes, PROBE_TIMEOUT_MS);
  },

  async teardown(ctx) {
    // A graceful stop closes the transaction log cleanly.
    await stopServers(ctx, "zab");
  },
};

/** Creates the workloads' parent znodes through a session with `leader`. */
async function createParents(ctx: ClusterContext, leader: string): Promise<void> {
  const info = ctx.runtime.node(leader);
  const admin = new ZkConnection(info.host, info.clientPort);
  try {
    if (!(await admin.waitConnected(10_000))) throw new Error(`zab: no session with the leader ${leader} within 10 s to create ${PARENT_PATHS.join(", ")}; see ${LOGS}`);
    for (const path of PARENT_PATHS) await admin.mkdirp(path);
  } finally {
    admin.close();
  }
}
