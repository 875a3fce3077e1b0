// What the members say about themselves (the maintenance Status API): who leads, in which term.
// The harness uses it to find the leader and to wait until a cluster or a restarted member serves.

import type { Runtime } from "../runtime/runtime.ts";
import { acceptsConnections } from "../lifecycle/port-probe.ts";
import { connectToMember } from "./connection.ts";

export interface MemberStatus {
  node: string;
  memberId: string;
  /** The member this one believes leads; "0" while it knows no leader. */
  leaderId: string;
  raftTerm: bigint;
}

/** The member's status, or undefined if it does not answer within `timeoutMs`. */
export async function memberStatus(runtime: Pick<Runtime, "node">, node: string, timeoutMs: number): Promise<MemberStatus | undefined> {
  const info = runtime.node(node);
  const etcd = connectToMember(info.host, info.clientPort);
  try {
    const status = await etcd.maintenance.status({ deadline: new Date(Date.now() + timeoutMs) });
    return { node, memberId: status.header.member_id, leaderId: status.leader, raftTerm: BigInt(status.raftTerm) };
  } catch {
    return undefined;
  } finally {
    etcd.close();
  }
}

/** The member that calls itself leader in the highest term, among those that answer. An isolated
 *  old leader may still call itself leader, but in a lower term than the one that replaced it. */
export async function findLeader(runtime: Pick<Runtime, "node">, nodes: readonly string[], timeoutMs: number): Promise<string | undefined> {
  const statuses = await Promise.all(nodes.map((node) => memberStatus(runtime, node, timeoutMs)));
  let leader: MemberStatus | undefined;
  for (const status of statuses) {
    if (!status || status.leaderId !== status.memberId) continue;
    if (!leader || status.raftTerm > leader.raftTerm) leader = status;
  }
  return leader?.node;
}

/** Whether a linearizable read through `node` succeeds: the member has a leader and reaches it. */
export async function serves(runtime: Pick<Runtime, "node">, node: string, timeoutMs: number): Promise<boolean> {
  const info = runtime.node(node);
  const etcd = connectToMember(info.host, info.clientPort);
  try {
    await etcd.get("faultline/ready").options({ deadline: new Date(Date.now() + timeoutMs) });
    return true;
  } catch {
    return false;
  } finally {
    etcd.close();
  }
}

/** Whether the member's client port accepts a TCP connection within `timeoutMs`. etcd binds its
 *  listeners first thing, before replaying its WAL, but answers nothing on them (not even Status)
 *  until it has published itself through a quorum: a member restarted on the minority side of a
 *  partition is up, yet silent until the partition heals. */
export function listening(runtime: Pick<Runtime, "node">, node: string, timeoutMs: number): Promise<boolean> {
  const info = runtime.node(node);
  return acceptsConnections(info.host, info.clientPort, timeoutMs);
}
