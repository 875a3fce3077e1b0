// Membership changes of our Raft nodes as the member nemesis drives them (System.faults
// .membership): FAULTLINE.MEMBER ADD|REMOVE sent to the leader, followed through redirects and
// retried while another change is in flight; the result read back from the nodes' own INFO
// (members:), never assumed. A removed node's server is stopped once the nodes report it gone; a
// node is started again (from its data directory) before it is added back.

import type { ClusterContext, MembershipHook } from "../system.ts";
import { fetchInfo, type NodeInfoReport } from "./info.ts";
import { createConnection, type Endpoint } from "./redis-connection.ts";

/** How long to look for a leader that takes the change: the nemesis must not hold every other
 *  fault in place while the cluster has none. */
const PROPOSE_WAIT_MS = 3000;
/** How long a change the leader accepted may take to be reported committed. */
const CHANGE_WAIT_MS = 10_000;
const RETRY_MS = 100;

/** A membership change that certainly did not happen (no leader took it). */
export class MembershipNotChanged extends Error {
  readonly notChanged = true;
}
/** A majority of three: below it, one more failure stops the cluster. */
const MIN_MEMBERS = 3;

function endpoint(ctx: ClusterContext, node: string): Endpoint {
  const info = ctx.runtime.node(node);
  return { node, host: info.host, port: info.clientPort };
}

async function reports(ctx: ClusterContext): Promise<NodeInfoReport[]> {
  const all = await Promise.all(ctx.nodes.map((node) => fetchInfo(endpoint(ctx, node), 500)));
  return all.filter((report): report is NodeInfoReport => report !== undefined);
}

/** The leader's configuration as it reports it (the highest term's leader), or, with no leader,
 *  the configuration with the highest config index any node reports. */
async function currentMembers(ctx: ClusterContext): Promise<{ members: string[]; committed: boolean; leader?: string }> {
  const answered = await reports(ctx);
  const leader = answered.filter((report) => report.role === "leader").sort((a, b) => b.term - a.term)[0];
  // A configuration holds on a node from the moment it is in its log; it is the cluster's once
  // committed.
  if (leader) return { members: leader.members, committed: leader.commitIndex >= leader.configIndex, leader: leader.node };
  const newest = answered.sort((a, b) => b.configIndex - a.configIndex)[0];
  return { members: newest?.members ?? [], committed: newest !== undefined && newest.commitIndex >= newest.configIndex };
}

/** Sends one FAULTLINE.MEMBER command to `node`; the reply or the error text. */
async function send(ctx: ClusterContext, node: string, change: "add" | "remove", target: string): Promise<string> {
  const redis = createConnection(endpoint(ctx, node), 1000, 15_000);
  try {
    await redis.connect();
    return String(await redis.call("FAULTLINE.MEMBER", change.toUpperCase(), target));
  } catch (error) {
    return (error as Error).message;
  } finally {
    redis.disconnect();
  }
}

/** Proposes the change on the leader until the nodes report it done. Throws MembershipNotChanged
 *  when no leader took it within PROPOSE_WAIT_MS (nothing was proposed), a plain error when one
 *  took it but it was not seen committed (it may still take effect). */
async function change(ctx: ClusterContext, kind: "add" | "remove", target: string): Promise<void> {
  let proposed = false;
  const startedAt = Date.now();
  let last = "no answer yet";
  while (Date.now() < startedAt + (proposed ? CHANGE_WAIT_MS : PROPOSE_WAIT_MS)) {
    const { members, committed, leader } = await currentMembers(ctx);
    if ((kind === "add") === members.includes(target) && committed) return;
    if ((kind === "add") === members.includes(target)) {
      // Proposed, not yet committed: wait for it rather than propose again.
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      continue;
    }
    if (leader) {
      last = await send(ctx, leader, kind, target);
      ctx.log(`raft: FAULTLINE.MEMBER ${kind.toUpperCase()} ${target} on ${leader}: ${last}`);
      // Whatever it said (OK, a redirect, another change in flight, unknown), the nodes decide;
      // but once a leader took it (OK or UNKNOWN), it may take effect.
      if (last === "OK" || last.startsWith("UNKNOWN")) proposed = true;
    } else {
      last = "no leader";
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
  if (!proposed) throw new MembershipNotChanged(`raft: no leader took the ${kind} of ${target} within ${PROPOSE_WAIT_MS} ms (last answer: ${last}); nothing was changed`);
  throw new Error(`raft: the ${kind} of ${target} was proposed but not seen committed within ${CHANGE_WAIT_MS} ms (last answer: ${last}); it may still take effect`);
}

export const raftMembership: MembershipHook = {
  minMembers: MIN_MEMBERS,
  async members(ctx) {
    return (await currentMembers(ctx)).members;
  },
  async remove(ctx, node) {
    await change(ctx, "remove", node);
    // Out of the configuration, its server goes: a graceful stop, as an operator would.
    if (ctx.runtime.state(node) !== "stopped") await ctx.runtime.kill(node, "SIGTERM");
  },
  async add(ctx, node) {
    if (ctx.runtime.state(node) === "paused") await ctx.runtime.resume(node);
    // Started from its data directory: its log says it was removed, so it waits to be added.
    if (ctx.runtime.state(node) === "stopped") await ctx.runtime.restart(node);
    await change(ctx, "add", node);
  },
};
