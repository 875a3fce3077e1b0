// ZooKeeper's sync(path), which node-zookeeper-client 1.x does not offer. Without it a client
// cannot make a follower catch up with the leader before reading, which is the whole point of
// SEEDS C3 ("follower reads are stale; sync fixes it").
//
// The request goes through the library's own connection manager, so it shares the session, the
// xid sequence and the ordering of every other request on it. On the wire a SyncRequest is one
// path string, the same shape as GetACLRequest, so that record serializes it. The library parses
// a reply by the type of the request it answers and knows no SYNC: after the request has been
// serialized its type reads CREATE, whose reply (CreateResponse) is, like SyncResponse, one path.
// Pinned by clusters/zookeeper/system.test.ts ("sync"): if a new library version changes these
// internals, that test fails.

import { createRequire } from "node:module";
import type { Exception, ZooKeeperClient } from "node-zookeeper-client";

/** The library's wire records (lib/jute/index.js), as far as this file uses them. */
interface Jute {
  OP_CODES: { SYNC: number; CREATE: number };
  protocol: {
    RequestHeader: new () => { type: number; xid: number };
    GetACLRequest: new () => { path: string };
  };
  Request: new (header: { type: number }, payload: { path: string }) => { header: { type: number }; toBuffer(): Buffer };
}

interface ConnectionManager {
  queue(request: unknown, callback: (error: Exception | null) => void): void;
}

const jute = createRequire(import.meta.url)("node-zookeeper-client/lib/jute/index.js") as Jute;

/** Sends sync(path) on `client`'s session; resolves once the server has answered it, that is once
 *  the server has applied every write the leader committed before it received the sync. */
export function sync(client: ZooKeeperClient, path: string): Promise<void> {
  const header = new jute.protocol.RequestHeader();
  header.type = jute.OP_CODES.SYNC;
  const payload = new jute.protocol.GetACLRequest();
  payload.path = path;
  const request = new jute.Request(header, payload);
  const serialize = request.toBuffer.bind(request);
  request.toBuffer = () => {
    const bytes = serialize();
    request.header.type = jute.OP_CODES.CREATE;
    return bytes;
  };
  return new Promise<void>((resolve, reject) => {
    (client.connectionManager as ConnectionManager).queue(request, (error) => (error ? reject(error) : resolve()));
  });
}
