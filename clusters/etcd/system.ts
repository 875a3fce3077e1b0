// etcd (Debian's etcd-server, 3.4) as a system under test: a static cluster bootstrapped with
// --initial-cluster, one client per process bound to its node's member, the leader from the
// members' Status answers (clusters/system.ts has the contract).
//
// Members talk to each other on their real peer ports. On the local runtime that bypasses the
// frame proxy, so partitions and link faults do not reach etcd there: use the docker runtime
// (iptables) for them. Kill and pause work on both runtimes.

import type { System } from "../system.ts";
import { clientsFrom } from "../client/planned-client.ts";
import { stopServers } from "../lifecycle/stop.ts";
import { waitUntil } from "../lifecycle/wait.ts";
import { openEtcdClient } from "./client.ts";
import { etcdOptions } from "./options.ts";
import { etcdPlanners } from "./planners.ts";
import { etcdProcessSpec } from "./server.ts";
import { etcdMembership } from "./membership.ts";
import { findLeader, listening, memberStatus, serves } from "./status.ts";
import { sourcePath } from "../../harness/source-path.ts";

const READY_WAIT_MS = 30_000;
const RESTART_WAIT_MS = 15_000;
const PROBE_TIMEOUT_MS = 1000;
const LOGS = "nodes/<node>/ of the run (stdout.log on the local runtime, <node>.log on docker: etcd logs there)";

export const etcdSystem: System = {
  name: "etcd",
  description:
    "etcd 3.4 from Debian (Raft); register via Range/Put/Txn, set as one key per element. " +
    "Partitions need --runtime docker: on the local runtime members use their real peer ports, which the fault proxy does not see",
  claims: {
    model: "linearizable",
    cap: "CP",
    notes: [
      "reads are linearizable by default; with --opt reads=serializable a member answers from its own state and may be stale",
      "a write that timed out or lost its connection may still commit (recorded info)",
    ],
  },
  // etcd documents serializable reads as served by the member alone, possibly stale: the claim
  // falls to sequential consistency (one order of writes, reads from some point in it).
  claimsFor: (options) =>
    etcdOptions.parse(options).reads === "serializable"
      ? { model: "sequential", cap: "CP", notes: ["--opt reads=serializable: a member answers reads from its own state, which may be stale; writes stay linearizable", "a write that timed out or lost its connection may still commit (recorded info)"] }
      : etcdSystem.claims,
  clients: clientsFrom(etcdPlanners, openEtcdClient),
  options: etcdOptions,
  localRequirements: () => [{ program: "etcd", package: "etcd-server" }],
  bugs: [],
  runtimes: ["local", "docker"],
  // On the local runtime its members talk on their real ports, which the fault proxy never sees.
  partitionsOn: ["docker"],
  defaultNodes: 3,
  docker: { image: { name: "etcd", context: sourcePath(new URL("./image", import.meta.url)) }, clientPort: 2379, peerPort: 2380 },
  faults: { membership: etcdMembership },

  async setup(ctx) {
    etcdOptions.parse(ctx.options);
    const token = `faultline-${ctx.rng.nextUint32().toString(16)}`;
    await Promise.all(ctx.nodes.map((node) => ctx.runtime.start(node, etcdProcessSpec(ctx.runtime, ctx.nodes, node, token))));
    const ready = { system: "etcd", failure: "the cluster did not serve linearizable reads on every member", timeoutMs: READY_WAIT_MS, logs: LOGS, watch: ctx.nodes };
    await waitUntil(ctx.runtime, ready, async () => {
      const answers = await Promise.all(ctx.nodes.map((node) => serves(ctx.runtime, node, PROBE_TIMEOUT_MS)));
      return answers.every(Boolean);
    });
    ctx.log(`etcd: cluster up, leader ${(await findLeader(ctx.runtime, ctx.nodes, PROBE_TIMEOUT_MS)) ?? "unknown"}`);
  },

  async restartNode(ctx, node) {
    await ctx.runtime.restart(node);
    // Only that the member is up: one restarted on the minority side of a partition answers
    // nothing, not even Status, until it reaches a quorum to publish itself (see listening()).
    // Waiting for Status there would call a good restart failed, and the kill nemesis would then
    // kill and start the member again.
    const answered = { system: "etcd", failure: `member ${node} did not answer Status or accept connections after its restart`, timeoutMs: RESTART_WAIT_MS, logs: LOGS };
    await waitUntil(ctx.runtime, answered, async () => {
      if (ctx.runtime.state(node) !== "running") return false;
      if ((await memberStatus(ctx.runtime, node, PROBE_TIMEOUT_MS)) !== undefined) return true;
      return listening(ctx.runtime, node, PROBE_TIMEOUT_MS);
    });
  },

  async leader(ctx) {
    return findLeader(ctx.runtime, ctx.nodes, PROBE_TIMEOUT_MS);
  },

  async teardown(ctx) {
    // SIGTERM lets etcd close its WAL and bolt database.
    await stopServers(ctx, "etcd");
  },
};
