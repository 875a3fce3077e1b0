// ZooKeeper's `srvr` four-letter word on a server's client port: its role (leader, follower) and
// last zxid. The harness uses it to wait for a quorum and to find the leader.

import net from "node:net";
import type { Runtime } from "../runtime/runtime.ts";

export interface ServerReport {
  node: string;
  /** "leader", "follower", "observer"; undefined while the server is not in a quorum. */
  mode: string | undefined;
  /** The last zxid the server has seen; its high 32 bits are the leader's epoch. */
  zxid: bigint;
}

/** The server's answer to `word`, or undefined if it does not answer within `timeoutMs`. */
export function fourLetterWord(host: string, port: number, word: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host, port });
    const finish = (answer: string | undefined): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => finish(undefined));
    socket.once("connect", () => socket.write(word));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.once("end", () => finish(Buffer.concat(chunks).toString()));
    socket.once("error", () => finish(undefined));
  });
}

export async function serverReport(runtime: Pick<Runtime, "node">, node: string, timeoutMs: number): Promise<ServerReport | undefined> {
  const info = runtime.node(node);
  const text = await fourLetterWord(info.host, info.clientPort, "srvr", timeoutMs);
  if (text === undefined) return undefined;
  const mode = /^Mode: (\w+)/m.exec(text)?.[1];
  const zxid = /^Zxid: (0x[0-9a-f]+)/m.exec(text)?.[1];
  return { node, mode, zxid: zxid ? BigInt(zxid) : 0n };
}

/** The server that says it leads, among those that answer; if an old leader has not yet noticed
 *  it lost its quorum, the one in the later epoch (the larger zxid). */
export async function findLeader(runtime: Pick<Runtime, "node">, nodes: readonly string[], timeoutMs: number): Promise<string | undefined> {
  const reports = await Promise.all(nodes.map((node) => serverReport(runtime, node, timeoutMs)));
  let leader: ServerReport | undefined;
  for (const report of reports) {
    if (report?.mode !== "leader") continue;
    if (!leader || report.zxid > leader.zxid) leader = report;
  }
  return leader?.node;
}
