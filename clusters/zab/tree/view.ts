// What request validation reads (ZooKeeper's ChangeRecord): per node only what decides whether a
// write is allowed and what it becomes. The data tree is one view; a ChangeOverlay is another, the
// tree as it will be once some not-yet-applied txns are: the changes earlier ops of a multi make,
// or on a leader every txn it has prepared but not yet applied (ZooKeeper's outstandingChanges).

import { assert } from "../../consensus/assert.ts";
import type { Zxid } from "../core/zxid.ts";
import { parentOf } from "./path.ts";
import type { MultiSubTxn, Txn } from "./txn.ts";

export interface NodeRecord {
  version: number;
  cversion: number;
  numChildren: number;
  /** 0n for a persistent node. */
  ephemeralOwner: bigint;
}

export interface TreeView {
  /** The node at `path`, or undefined when there is none. */
  node(path: string): NodeRecord | undefined;
  hasSession(sessionId: bigint): boolean;
  /** The ephemeral nodes a session owns, sorted. */
  ephemeralsOf(sessionId: bigint): string[];
}

interface Change<T> {
  value: T;
  /** The txn that made it (0n inside a multi being validated): forgetUpTo drops it once the tree
   *  has applied that txn. */
  zxid: Zxid;
}

export class ChangeOverlay implements TreeView {
  /** undefined value: the node is gone. */
  private readonly nodes = new Map<string, Change<NodeRecord | undefined>>();
  private readonly sessions = new Map<bigint, Change<boolean>>();
  private readonly ephemerals = new Map<bigint, Change<Set<string>>>();

  constructor(private readonly base: TreeView) {}

  node(path: string): NodeRecord | undefined {
    const change = this.nodes.get(path);
    return change === undefined ? this.base.node(path) : change.value;
  }

  hasSession(sessionId: bigint): boolean {
    return this.sessions.get(sessionId)?.value ?? this.base.hasSession(sessionId);
  }

  ephemeralsOf(sessionId: bigint): string[] {
    const change = this.ephemerals.get(sessionId);
    return change === undefined ? this.base.ephemeralsOf(sessionId) : [...change.value].sort();
  }

  /** Records what `txn` (proposed as `zxid`) will do, as seen by validation. */
  record(txn: Txn, zxid: Zxid): void {
    switch (txn.type) {
      case "createSession":
        this.sessions.set(txn.sessionId, { value: true, zxid });
        this.ephemerals.set(txn.sessionId, { value: new Set(), zxid });
        return;
      case "closeSession":
        for (const path of this.ephemeralsOf(txn.sessionId)) this.recordSub({ type: "delete", path }, zxid);
        this.sessions.set(txn.sessionId, { value: false, zxid });
        this.ephemerals.set(txn.sessionId, { value: new Set(), zxid });
        return;
      case "multi":
        if (txn.txns.some((sub) => sub.type === "error")) return;
        for (const sub of txn.txns) this.recordSub(sub, zxid);
        return;
      default:
        this.recordSub(txn, zxid);
    }
  }

  /** Drops every change made by txns up to `zxid`, which the tree below has now applied. */
  forgetUpTo(zxid: Zxid): void {
    for (const map of [this.nodes, this.sessions, this.ephemerals] as Map<unknown, Change<unknown>>[]) {
      for (const [key, change] of map) if (change.zxid <= zxid) map.delete(key);
    }
  }

  get size(): number {
    return this.nodes.size + this.sessions.size;
  }

  private recordSub(txn: MultiSubTxn, zxid: Zxid): void {
    switch (txn.type) {
      case "create": {
        const parentPath = parentOf(txn.path);
        const parent = this.node(parentPath);
        assert(parent !== undefined && this.node(txn.path) === undefined, () => `overlay: create ${txn.path} does not fit`);
        this.nodes.set(parentPath, { value: { ...parent, cversion: txn.parentCversion, numChildren: parent.numChildren + 1 }, zxid });
        this.nodes.set(txn.path, { value: { version: 0, cversion: 0, numChildren: 0, ephemeralOwner: txn.ephemeralOwner }, zxid });
        if (txn.ephemeralOwner !== 0n) this.updateEphemerals(txn.ephemeralOwner, zxid, (paths) => paths.add(txn.path));
        return;
      }
      case "delete": {
        const parentPath = parentOf(txn.path);
        const parent = this.node(parentPath);
        const node = this.node(txn.path);
        assert(parent !== undefined && node !== undefined, () => `overlay: delete ${txn.path} does not fit`);
        this.nodes.set(parentPath, { value: { ...parent, numChildren: parent.numChildren - 1 }, zxid });
        this.nodes.set(txn.path, { value: undefined, zxid });
        if (node.ephemeralOwner !== 0n) this.updateEphemerals(node.ephemeralOwner, zxid, (paths) => paths.delete(txn.path));
        return;
      }
      case "setData": {
        const node = this.node(txn.path);
        assert(node !== undefined, () => `overlay: setData ${txn.path} does not fit`);
        this.nodes.set(txn.path, { value: { ...node, version: txn.version }, zxid });
        return;
      }
      case "check":
      case "error":
        return;
    }
  }

  private updateEphemerals(sessionId: bigint, zxid: Zxid, update: (paths: Set<string>) => void): void {
    const paths = new Set(this.ephemeralsOf(sessionId));
    update(paths);
    this.ephemerals.set(sessionId, { value: paths, zxid });
  }
}
