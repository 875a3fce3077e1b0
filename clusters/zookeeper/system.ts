// ZooKeeper (Debian's zookeeper package, 3.8, on the host's Java) as a system under test: a static
// ensemble of 3 or 5 servers, one client session per process on its own node's server, the leader
// from the servers' `srvr` answers (clusters/system.ts has the contract).
//
// Writes go through the leader and are linearizable; a read is answered by the server the session
// is on, which may lag the leader. With the sync option each read is preceded by sync(path), which
// makes that server catch up first (SEEDS C3).
//
// Servers talk to each other on their real ports. On the local runtime that bypasses the frame
// proxy, so partitions do not reach them there: use the docker runtime (iptables) for partitions.
// Kill and pause work on both runtimes.

import type { System } from "../system.ts";
import { stopServers } from "../lifecycle/stop.ts";
import { waitUntil } from "../lifecycle/wait.ts";
import { zooKeeperClients } from "./client.ts";
import { ZkConnection } from "./connection.ts";
import { electionPorts } from "./election-ports.ts";
import { findLeader, serverReport } from "./four-letter.ts";
import { zooKeeperOptions } from "./options.ts";
import { PARENT_PATHS } from "./planners.ts";
import { CLASS_PATH_JARS, nodeProcessSpec } from "./server.ts";
import { sourcePath } from "../../harness/source-path.ts";

/** JVMs start slowly on a busy machine; an election follows. */
const READY_WAIT_MS = 60_000;
const RESTART_WAIT_MS = 30_000;
const PROBE_TIMEOUT_MS = 1000;
const POLL_MS = 250;
const LOGS = "nodes/<node>/ of the run (stdout.log on the local runtime, <node>.log on docker: the servers log there)";

export const zookeeperSystem: System = {
  name: "zookeeper",
  description:
    "ZooKeeper 3.8 from Debian (ZAB), driven by ZooKeeper's C client (npm zookeeper); register via getData/setData with versions, set as one znode per element, lock as an ephemeral node, unique ids as sequential nodes. " +
    "Partitions need --runtime docker: on the local runtime servers use their real ports, which the fault proxy does not see",
  claims: {
    model: "sequential",
    cap: "CP",
    notes: ["writes linearizable; reads served locally may be stale unless preceded by sync"],
  },
  // With sync before every read a follower first catches up with the leader, so a read sees every
  // write committed before it began (the guarantee ZooKeeper's programmer's guide gives sync+read).
  claimsFor: (options) =>
    zooKeeperOptions.parse(options).sync ? { model: "linearizable", cap: "CP", notes: ["--opt sync=true: every read is preceded by sync(path), so it sees every write committed before it began"] } : zookeeperSystem.claims,
  clients: zooKeeperClients("zookeeper", (options) => zooKeeperOptions.parse(options)),
  options: zooKeeperOptions,
  // Debian's zookeeper package brings the jars it depends on, and a JRE if none is installed.
  localRequirements: () => [{ program: "java", package: "default-jre-headless" }, ...CLASS_PATH_JARS.map((file) => ({ file, package: "zookeeper" }))],
  bugs: [],
  runtimes: ["local", "docker"],
  // On the local runtime its members talk on their real ports, which the fault proxy never sees.
  partitionsOn: ["docker"],
  defaultNodes: 3,
  // The election port is ZooKeeper's well-known 3888 there (election-ports.ts).
  docker: { image: { name: "zookeeper", context: sourcePath(new URL("./image", import.meta.url)) }, clientPort: 2181, peerPort: 2888, logDirs: ["/var/log/zookeeper"] },

  async setup(ctx) {
    zooKeeperOptions.parse(ctx.options);
    if (ctx.nodes.length % 2 === 0) ctx.log(`zookeeper: an ensemble of ${ctx.nodes.length} tolerates no more failures than one of ${ctx.nodes.length - 1}`);
    const election = await electionPorts(ctx.runtime, ctx.nodes);
    let specs;
    try {
      specs = ctx.nodes.map((node) => nodeProcessSpec(ctx.runtime, ctx.nodes, node, election));
    } finally {
      // Held until now so nobody takes the ports meanwhile; the servers bind them as they start.
      await election.release();
    }
    await Promise.all(ctx.nodes.map((node, index) => ctx.runtime.start(node, specs[index])));
    const elected = { system: "zookeeper", failure: "the ensemble did not elect a leader with every server following", timeoutMs: READY_WAIT_MS, pollMs: POLL_MS, logs: LOGS, watch: ctx.nodes };
    await waitUntil(ctx.runtime, elected, async () => {
      const reports = await Promise.all(ctx.nodes.map((node) => serverReport(ctx.runtime, node, PROBE_TIMEOUT_MS)));
      const modes = reports.map((report) => report?.mode);
      return modes.filter((mode) => mode === "leader").length === 1 && modes.every((mode) => mode === "leader" || mode === "follower");
    });
    const leader = (await findLeader(ctx.runtime, ctx.nodes, PROBE_TIMEOUT_MS)) ?? ctx.nodes[0];
    const info = ctx.runtime.node(leader);
    const admin = new ZkConnection(info.host, info.clientPort);
    try {
      if (!(await admin.waitConnected(10_000))) throw new Error(`zookeeper: no session with the leader ${leader} within 10 s to create ${PARENT_PATHS.join(", ")}`);
      for (const path of PARENT_PATHS) await admin.mkdirp(path);
    } finally {
      admin.close();
    }
    ctx.log(`zookeeper: ensemble up, ${leader} leads`);
  },

  async restartNode(ctx, node) {
    await ctx.runtime.restart(node);
    // Only that the server answers: on the minority side of a partition it cannot join a quorum.
    const answered = { system: "zookeeper", failure: `the server on ${node} did not answer srvr after its restart`, timeoutMs: RESTART_WAIT_MS, pollMs: POLL_MS, logs: LOGS };
    await waitUntil(ctx.runtime, answered, async () => (await serverReport(ctx.runtime, node, PROBE_TIMEOUT_MS)) !== undefined);
  },

  async leader(ctx) {
    return findLeader(ctx.runtime, ctx.nodes, PROBE_TIMEOUT_MS);
  },

  async teardown(ctx) {
    await stopServers(ctx, "zookeeper");
  },
};
