// A tiny stand-in for the leader's request pipeline, for the tree's tests: prepare against the
// tree, then apply with the next zxid and a clock that advances by one millisecond per txn.

import { makeZxid } from "../core/zxid.ts";
import { OPEN_ACL_UNSAFE } from "../jute/acl.ts";
import { DataTree, type ApplyResult } from "./data-tree.ts";
import { prepare, type WriteRequest } from "./prepare.ts";

export const SESSION = 0x100n;
export const OTHER_SESSION = 0x200n;
const encoder = new TextEncoder();

export class TreeDriver {
  readonly tree = new DataTree();
  private counter = 0;

  constructor(sessions: bigint[] = [SESSION]) {
    for (const sessionId of sessions) this.submit({ op: "createSession", sessionId, timeoutMs: 4000 });
  }

  /** The result, or the error code when validation refused the request (no txn). */
  submit(request: WriteRequest, sessionId = SESSION): ApplyResult | number {
    const prepared = prepare(this.tree, request, sessionId);
    if (!prepared.ok) return prepared.err;
    this.counter++;
    return this.tree.apply({ zxid: makeZxid(1, this.counter), sessionId, timeMs: 1000 + this.counter }, prepared.txn);
  }

  create(path: string, data = "", flags = 0, sessionId = SESSION): ApplyResult | number {
    return this.submit({ op: "create", path, data: encoder.encode(data), acl: [...OPEN_ACL_UNSAFE], flags }, sessionId);
  }

  get lastZxid(): bigint {
    return makeZxid(1, this.counter);
  }
}
