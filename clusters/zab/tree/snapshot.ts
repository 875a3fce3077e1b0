// A data tree as bytes: what a leader sends a learner that needs SNAP, what a node persists as
// its snapshot, and — hashed — the digest that tells whether two replicas hold the same tree.
// Jute-encoded, nodes sorted by path so that equal trees encode to equal bytes:
//   format:int (1) lastProcessedZxid:long
//   sessions: vector<(sessionId:long timeoutMs:int)>
//   nodes:    vector<(path:ustring data:buffer acl:vector<ACL> czxid mzxid ctime mtime:long
//                      version cversion aversion:int ephemeralOwner pzxid:long)>
// Watches are a server's local state and are not part of it.

import { AssertionError } from "../../consensus/assert.ts";
import { readAclList, writeAclList } from "../jute/acl.ts";
import { JuteDecodeError } from "../jute/errors.ts";
import { JuteReader } from "../jute/reader.ts";
import { JuteWriter } from "../jute/writer.ts";
import { DataTree } from "./data-tree.ts";

const FORMAT = 1;
const SESSION_BYTES = 8 + 4;
/** path and data length fields, ACL count, four longs, three ints, two longs. */
const NODE_MIN_BYTES = 4 + 4 + 4 + 4 * 8 + 3 * 4 + 2 * 8;

export function encodeTreeSnapshot(tree: DataTree): Uint8Array {
  const writer = new JuteWriter(4096).int(FORMAT).long(tree.lastProcessedZxid);
  writer.vector(tree.sessionList(), (w, session) => void w.long(session.sessionId).int(session.timeoutMs));
  writer.vector(tree.entries(), (w, { path, node }) => {
    w.string(path).buffer(node.data);
    writeAclList(w, node.acl);
    w.long(node.czxid).long(node.mzxid).long(node.ctime).long(node.mtime).int(node.version).int(node.cversion).int(node.aversion).long(node.ephemeralOwner).long(node.pzxid);
  });
  return writer.finish();
}

/** Throws JuteDecodeError for bytes that are not a well-formed tree. */
export function decodeTreeSnapshot(bytes: Uint8Array): DataTree {
  const reader = new JuteReader(bytes);
  const format = reader.int("snapshot format");
  if (format !== FORMAT) throw new JuteDecodeError(`unknown snapshot format ${format}`, 0);
  const lastProcessedZxid = reader.long("lastProcessedZxid");
  const sessions = reader.vector("sessions", SESSION_BYTES, (r) => ({ sessionId: r.long("sessionId"), timeoutMs: r.int("timeoutMs") }));
  const nodes = reader.vector("nodes", NODE_MIN_BYTES, (r) => ({
    path: r.string("path"),
    node: {
      data: r.buffer("data"),
      acl: readAclList(r),
      czxid: r.long("czxid"),
      mzxid: r.long("mzxid"),
      ctime: r.long("ctime"),
      mtime: r.long("mtime"),
      version: r.int("version"),
      cversion: r.int("cversion"),
      aversion: r.int("aversion"),
      ephemeralOwner: r.long("ephemeralOwner"),
      pzxid: r.long("pzxid"),
    },
  }));
  reader.end("snapshot");
  try {
    return DataTree.restore({ lastProcessedZxid, sessions, nodes });
  } catch (error) {
    if (error instanceof AssertionError) throw new JuteDecodeError(`snapshot is not a tree: ${error.message}`, bytes.length);
    throw error;
  }
}

/** A 64-bit digest of the tree's replicated content (two FNV-1a lanes over the snapshot bytes):
 *  replicas that applied the same txns have equal digests. */
export function treeDigest(tree: DataTree): string {
  const bytes = encodeTreeSnapshot(tree);
  let low = 0x811c9dc5;
  let high = 0x01000193 ^ 0x9e3779b9;
  for (let i = 0; i < bytes.length; i++) {
    low = Math.imul(low ^ bytes[i], 0x01000193);
    high = Math.imul(high ^ bytes[i] ^ (i & 0xff), 0x01000193);
  }
  return (high >>> 0).toString(16).padStart(8, "0") + (low >>> 0).toString(16).padStart(8, "0");
}
