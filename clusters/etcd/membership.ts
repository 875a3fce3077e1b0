// Membership changes of etcd through its own member API (System.faults.membership), as an
// operator does them: MemberRemove, then stop the member and wipe its data (etcd refuses a removed
// member back with its old data); later MemberAdd with its peer URL, then start it empty with
// --initial-cluster-state existing and the members as they are now. What the members are is
// always read back from MemberList (linearizable), through a member that is not the one changing.

import type { Etcd3 } from "etcd3";
import type { ProcessSpec } from "../runtime/runtime.ts";
import type { ClusterContext, MembershipHook } from "../system.ts";
import { connectToMember } from "./connection.ts";
import { etcdProcessSpec, peerUrl } from "./server.ts";
import { serves } from "./status.ts";

const CALL_TIMEOUT_MS = 5000;
const CHANGE_WAIT_MS = 15_000;
const RETRY_MS = 200;
const MIN_MEMBERS = 3;

interface Member {
  id: string;
  /** Empty until the member has started and published itself. */
  name: string;
  peerUrl: string;
}

/** Runs `call` against the first member (other than `not`) that answers. */
async function withMember<T>(ctx: ClusterContext, not: string | undefined, call: (etcd: Etcd3) => Promise<T>): Promise<T> {
  let last = "no member to ask";
  for (const node of ctx.nodes) {
    if (node === not || ctx.runtime.state(node) !== "running") continue;
    const info = ctx.runtime.node(node);
    const etcd = connectToMember(info.host, info.clientPort);
    try {
      return await call(etcd);
    } catch (error) {
      last = `${node}: ${(error as Error).message}`;
    } finally {
      etcd.close();
    }
  }
  throw new Error(`etcd: no member answered the member API (last: ${last})`);
}

async function memberList(ctx: ClusterContext, not?: string): Promise<Member[]> {
  return withMember(ctx, not, async (etcd) => {
    const answer = await etcd.cluster.memberList({ linearizable: true }, { deadline: new Date(Date.now() + CALL_TIMEOUT_MS) });
    return answer.members.map((member) => ({ id: member.ID, name: member.name, peerUrl: member.peerURLs[0] ?? "" }));
  });
}

/** The node a member is, by its name, or by its peer URL while it has not started yet. */
function nodeOf(ctx: ClusterContext, member: Member): string | undefined {
  return member.name || ctx.nodes.find((node) => peerUrl(ctx.runtime, node) === member.peerUrl);
}

/** Retries a member API call that etcd refuses for now: with strict reconfiguration checks it will
 *  not remove a member unless the members left have all been connected for a while ("unhealthy
 *  cluster" right after a start or a restart), nor take a change while another is applying. */
async function retried<T>(what: string, call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + CHANGE_WAIT_MS;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`etcd: ${what} was refused for ${CHANGE_WAIT_MS} ms: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS * 5));
    }
  }
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + CHANGE_WAIT_MS;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`etcd: ${what} within ${CHANGE_WAIT_MS} ms; see the nodes' stdout.log`);
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

/** The original command line of `node`, joining a running cluster instead of bootstrapping one. */
function joiningSpec(ctx: ClusterContext, node: string, members: readonly string[]): ProcessSpec {
  const spec = etcdProcessSpec(ctx.runtime, ctx.nodes, node, "faultline-joining");
  const args = [...spec.args];
  const set = (flag: string, value: string) => {
    const at = args.indexOf(flag);
    if (at < 0) throw new Error(`etcd: the member's command line has no ${flag} to replace`);
    args[at + 1] = value;
  };
  set("--initial-cluster", members.map((member) => `${member}=${peerUrl(ctx.runtime, member)}`).join(","));
  set("--initial-cluster-state", "existing");
  return { ...spec, args };
}

async function wipe(ctx: ClusterContext, node: string): Promise<void> {
  const dir = `${ctx.runtime.node(node).dataDir}/etcd`;
  const result = await ctx.runtime.exec(node, "rm", ["-rf", "--", dir]);
  if (result.exitCode !== 0) throw new Error(`etcd: removing ${dir} on ${node} failed: ${result.stderr.trim()}`);
}

export const etcdMembership: MembershipHook = {
  minMembers: MIN_MEMBERS,
  async members(ctx) {
    const members = await memberList(ctx).catch(() => []);
    return members.map((member) => nodeOf(ctx, member)).filter((node): node is string => node !== undefined).sort();
  },
  async remove(ctx, node) {
    const member = (await memberList(ctx, node)).find((candidate) => nodeOf(ctx, candidate) === node);
    if (member) {
      try {
        await retried(`MemberRemove ${node}`, () => withMember(ctx, node, (etcd) => etcd.cluster.memberRemove({ ID: member.id }, { deadline: new Date(Date.now() + CALL_TIMEOUT_MS) })));
      } catch (error) {
        // etcd answered no to every attempt (or nobody answered): nothing was removed.
        throw Object.assign(new Error((error as Error).message), { notChanged: true });
      }
      ctx.log(`etcd: MemberRemove ${node} (${member.id})`);
    }
    await until(`${node} did not leave the member list`, async () => !(await memberList(ctx, node)).some((candidate) => nodeOf(ctx, candidate) === node));
    // A removed member stops itself; make sure, and wipe its data so it can join again later.
    if (ctx.runtime.state(node) !== "stopped") await ctx.runtime.kill(node, "SIGTERM");
    await wipe(ctx, node);
  },
  async add(ctx, node) {
    if (ctx.runtime.state(node) !== "stopped") await ctx.runtime.kill(node, "SIGKILL");
    const before = await memberList(ctx, node);
    if (!before.some((member) => nodeOf(ctx, member) === node)) {
      await retried(`MemberAdd ${node}`, () => withMember(ctx, node, (etcd) => etcd.cluster.memberAdd({ peerURLs: [peerUrl(ctx.runtime, node)] }, { deadline: new Date(Date.now() + CALL_TIMEOUT_MS) })));
      ctx.log(`etcd: MemberAdd ${node} (${peerUrl(ctx.runtime, node)})`);
    }
    const members = [...new Set([...before.map((member) => nodeOf(ctx, member)).filter((name): name is string => name !== undefined), node])];
    await wipe(ctx, node);
    await ctx.runtime.start(node, joiningSpec(ctx, node, members));
    await until(`${node} did not start serving as a member`, async () => (await memberList(ctx, node)).some((member) => member.name === node) && (await serves(ctx.runtime, node, 1000)));
  },
};
