// Transactions: what the leader decides and ZAB delivers, and the only way the data tree changes.
// A txn is already validated against the state it will apply to (prepare.ts), so applying one is
// deterministic and every replica ends in the same state. The header comes with it: the zxid from
// ZAB, the session and the leader's clock from the proposal, so ctime/mtime agree everywhere.

import type { Acl } from "../jute/acl.ts";
import type { Zxid } from "../core/zxid.ts";

export interface TxnHeader {
  zxid: Zxid;
  /** The session that issued the request (0 for none). */
  sessionId: bigint;
  /** The leader's clock when it prepared the txn, milliseconds since the Unix epoch. */
  timeMs: number;
}

export interface CreateSessionTxn {
  type: "createSession";
  sessionId: bigint;
  timeoutMs: number;
}

/** Closes a session and deletes its ephemeral nodes (by the client, or on expiry decided by the
 *  leader). */
export interface CloseSessionTxn {
  type: "closeSession";
  sessionId: bigint;
}

export interface CreateTxn {
  type: "create";
  /** create2 answers with the new node's Stat too. */
  op: "create" | "create2";
  /** The final path (a sequential node's suffix already appended). */
  path: string;
  data: Uint8Array;
  acl: Acl[];
  /** The owning session of an ephemeral node, 0n for a persistent one. */
  ephemeralOwner: bigint;
  /** The parent's cversion after this create (its cversion when prepared, plus one). */
  parentCversion: number;
}

export interface DeleteTxn {
  type: "delete";
  path: string;
}

export interface SetDataTxn {
  type: "setData";
  path: string;
  data: Uint8Array;
  /** The node's version after this write. */
  version: number;
}

/** A version check inside a multi; changes nothing. */
export interface CheckTxn {
  type: "check";
  path: string;
}

/** A request that failed validation still takes a zxid, so that a session's replies stay in order
 *  (ZooKeeper's ErrorTxn); applying it changes nothing. */
export interface ErrorTxn {
  type: "error";
  err: number;
}

export type MultiSubTxn = CreateTxn | DeleteTxn | SetDataTxn | CheckTxn | ErrorTxn;

/** All or nothing. A multi that failed validation holds only error sub-txns: ok (0) for the ops
 *  before the one that failed, its error for it, runtimeInconsistency for the ones after. */
export interface MultiTxn {
  type: "multi";
  txns: MultiSubTxn[];
}

export type Txn = CreateSessionTxn | CloseSessionTxn | CreateTxn | DeleteTxn | SetDataTxn | CheckTxn | ErrorTxn | MultiTxn;
