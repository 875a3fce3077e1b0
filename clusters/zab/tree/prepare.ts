// Turns a client's write request into the txn the leader proposes, or into the error the client
// gets (ZooKeeper's PrepRequestProcessor). Pure: it reads a TreeView — the leader's tree with its
// not-yet-applied txns overlaid — and decides; applying the txn (data-tree.ts) then cannot fail on
// any replica that holds the same state. Checks run in ZooKeeper's order, so that a request wrong
// in several ways gets the same error code from us as from ZooKeeper.

import type { CheckVersionRequest, CreateRequest, DeleteRequest, SetDataRequest } from "../jute/request-records.ts";
import { ErrorCode } from "../jute/error-codes.ts";
import type { MultiOp } from "../jute/multi.ts";
import { ChangeOverlay, type TreeView } from "./view.ts";
import { isValidPath, parentOf, sequenceSuffix } from "./path.ts";
import type { CreateTxn, MultiSubTxn, Txn } from "./txn.ts";

export type WriteRequest =
  | CreateRequest
  | DeleteRequest
  | SetDataRequest
  | { op: "multi"; ops: MultiOp[] }
  | { op: "createSession"; sessionId: bigint; timeoutMs: number }
  | { op: "closeSession" };

export type Prepared = { ok: true; txn: Txn } | { ok: false; err: number };

/** Any version (delete, setData, check). */
const ANY_VERSION = -1;

const EPHEMERAL_FLAG = 1;
const SEQUENTIAL_FLAG = 2;
/** Flags above 3 are containers and TTL nodes, which we do not serve. */
const MAX_SERVED_FLAGS = 3;

/** Validates `request`, made by `sessionId`, against `view`. */
export function prepare(view: TreeView, request: WriteRequest, sessionId: bigint): Prepared {
  switch (request.op) {
    case "createSession":
      return { ok: true, txn: { type: "createSession", sessionId: request.sessionId, timeoutMs: request.timeoutMs } };
    case "closeSession":
      if (!view.hasSession(sessionId)) return { ok: false, err: ErrorCode.sessionExpired };
      return { ok: true, txn: { type: "closeSession", sessionId } };
    case "multi":
      if (!view.hasSession(sessionId)) return { ok: false, err: ErrorCode.sessionExpired };
      return { ok: true, txn: prepareMulti(view, request.ops, sessionId) };
    default: {
      if (!view.hasSession(sessionId)) return { ok: false, err: ErrorCode.sessionExpired };
      const sub = prepareOp(view, request, sessionId);
      return typeof sub === "number" ? { ok: false, err: sub } : { ok: true, txn: sub };
    }
  }
}

/** All or nothing: each op is validated against the tree as the ops before it leave it. */
function prepareMulti(view: TreeView, ops: readonly MultiOp[], sessionId: bigint): Txn {
  const overlay = new ChangeOverlay(view);
  const txns: MultiSubTxn[] = [];
  for (let index = 0; index < ops.length; index++) {
    const sub = prepareOp(overlay, ops[index], sessionId);
    if (typeof sub === "number") {
      const failed: MultiSubTxn[] = ops.map((_, i) => ({
        type: "error",
        err: i < index ? ErrorCode.ok : i === index ? sub : ErrorCode.runtimeInconsistency,
      }));
      return { type: "multi", txns: failed };
    }
    overlay.record(sub, 0n);
    txns.push(sub);
  }
  return { type: "multi", txns };
}

/** The txn of one write, or its error code. */
function prepareOp(view: TreeView, request: MultiOp, sessionId: bigint): MultiSubTxn | number {
  switch (request.op) {
    case "create":
    case "create2":
      return prepareCreate(view, request, sessionId);
    case "delete": {
      if (!isValidPath(request.path) || request.path === "/") return ErrorCode.badArguments;
      if (view.node(parentOf(request.path)) === undefined) return ErrorCode.noNode;
      const node = view.node(request.path);
      if (node === undefined) return ErrorCode.noNode;
      if (request.version !== ANY_VERSION && request.version !== node.version) return ErrorCode.badVersion;
      if (node.numChildren > 0) return ErrorCode.notEmpty;
      return { type: "delete", path: request.path };
    }
    case "setData": {
      if (!isValidPath(request.path)) return ErrorCode.badArguments;
      const node = view.node(request.path);
      if (node === undefined) return ErrorCode.noNode;
      if (request.version !== ANY_VERSION && request.version !== node.version) return ErrorCode.badVersion;
      return { type: "setData", path: request.path, data: request.data, version: node.version + 1 };
    }
    case "check":
      return prepareCheck(view, request);
  }
}

function prepareCreate(view: TreeView, request: CreateRequest, sessionId: bigint): CreateTxn | number {
  if (request.flags < 0 || request.flags > MAX_SERVED_FLAGS) return ErrorCode.badArguments;
  const sequential = (request.flags & SEQUENTIAL_FLAG) !== 0;
  const ephemeral = (request.flags & EPHEMERAL_FLAG) !== 0;
  // A sequential path may end in "/" (its suffix becomes the last segment): validate it as
  // ZooKeeper does, with a digit standing in for the suffix.
  if (!isValidPath(sequential ? `${request.path}1` : request.path)) return ErrorCode.badArguments;
  if (request.acl.length === 0) return ErrorCode.invalidACL;
  if (request.path === "/") return ErrorCode.nodeExists;
  const parentPath = parentOf(request.path);
  const parent = view.node(parentPath);
  if (parent === undefined) return ErrorCode.noNode;
  const path = sequential ? `${request.path}${sequenceSuffix(parent.cversion)}` : request.path;
  if (view.node(path) !== undefined) return ErrorCode.nodeExists;
  if (parent.ephemeralOwner !== 0n) return ErrorCode.noChildrenForEphemerals;
  return {
    type: "create",
    op: request.op,
    path,
    data: request.data,
    acl: request.acl,
    ephemeralOwner: ephemeral ? sessionId : 0n,
    parentCversion: parent.cversion + 1,
  };
}

function prepareCheck(view: TreeView, request: CheckVersionRequest): MultiSubTxn | number {
  if (!isValidPath(request.path)) return ErrorCode.badArguments;
  const node = view.node(request.path);
  if (node === undefined) return ErrorCode.noNode;
  if (request.version !== ANY_VERSION && request.version !== node.version) return ErrorCode.badVersion;
  return { type: "check", path: request.path };
}
