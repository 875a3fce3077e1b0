// Reads a node's INFO (role, term, leader, indexes) — how the harness finds the leader and waits
// for the cluster to be ready.

import { parseInfoReply } from "../lifecycle/info-reply.ts";
import { createConnection, type Endpoint } from "./redis-connection.ts";

export interface NodeInfoReport {
  node: string;
  role: string;
  term: number;
  leader: string;
  commitIndex: number;
  appliedIndex: number;
  /** The node's OS process id (NaN if it did not say). */
  pid: number;
  /** What the WAL's recovery did at its last start ("clean: …", "truncated: …"). */
  walRecovery: string;
  /** The configuration in the node's log (committed or not), by name. */
  members: string[];
  /** Index of the config entry it comes from, and the node's commit index against it. */
  configIndex: number;
}

/** The node's INFO, or undefined if it cannot be reached within `timeoutMs`. */
export async function fetchInfo(endpoint: Endpoint, timeoutMs = 1000): Promise<NodeInfoReport | undefined> {
  const redis = createConnection(endpoint, timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
    const text = await Promise.race([redis.connect().then(() => redis.info()), timeout]);
    if (text === undefined) return undefined;
    const fields = parseInfoReply(text);
    return {
      node: fields.node ?? endpoint.node,
      role: fields.role ?? "unknown",
      term: Number(fields.term ?? 0),
      leader: fields.leader ?? "",
      commitIndex: Number(fields.commit_index ?? 0),
      appliedIndex: Number(fields.applied_index ?? 0),
      pid: Number(fields.process_id),
      walRecovery: fields.wal_recovery ?? "",
      members: (fields.members ?? "").split(",").filter(Boolean),
      configIndex: Number(fields.config_index ?? 0),
    };
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}

/** The node that reports itself leader with the highest term, among those that answer. */
export async function findLeader(endpoints: readonly Endpoint[], timeoutMs = 1000): Promise<string | undefined> {
  const reports = await Promise.all(endpoints.map((endpoint) => fetchInfo(endpoint, timeoutMs)));
  let best: NodeInfoReport | undefined;
  for (const report of reports) {
    if (report?.role === "leader" && (!best || report.term > best.term)) best = report;
  }
  return best?.node;
}
