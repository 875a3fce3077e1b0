// ZooKeeper's data tree, the state machine ZAB replicates: znodes with data, ACL, children and the
// full Stat; sessions and the ephemeral nodes they own; one-shot watches. Reads are answered from
// local state (and may register a watch); writes arrive only as txns, in zxid order, through
// apply(), which is deterministic: same txns, same tree, on every replica.
//
// A txn was validated by the leader against the state it applies to (prepare.ts), so on a healthy
// replica it always fits. A replica whose state diverged (a bug switch broke ZAB) may get one that
// does not: it then answers the error ZooKeeper's DataTree would (noNode, nodeExists, notEmpty)
// and changes nothing, running on wrong rather than stopping, so the harness can see the damage.

import { assert } from "../../consensus/assert.ts";
import { formatZxid, type Zxid } from "../core/zxid.ts";
import { OPEN_ACL_UNSAFE, type Acl } from "../jute/acl.ts";
import { ErrorCode } from "../jute/error-codes.ts";
import type { Stat } from "../jute/stat.ts";
import { EventType } from "../jute/watcher-event.ts";
import { childPath, nameOf, parentOf } from "./path.ts";
import type { MultiSubTxn, Txn, TxnHeader } from "./txn.ts";
import { ChangeOverlay, type NodeRecord, type TreeView } from "./view.ts";
import { WatchManager, type WatcherId } from "./watches.ts";

/** A znode's persisted fields; numChildren and dataLength are derived. */
export interface Znode {
  data: Uint8Array;
  acl: Acl[];
  czxid: Zxid;
  mzxid: Zxid;
  ctime: bigint;
  mtime: bigint;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  pzxid: Zxid;
  children: Set<string>;
}

/** One notification to send: `watcher` watched `path` and `type` happened there at `zxid`. */
export interface WatchEvent {
  watcher: WatcherId;
  type: number;
  path: string;
  zxid: Zxid;
}

/** What applying one (sub-)txn answers; the server turns it into the client's reply. */
export type OpResult =
  | { type: "create"; op: "create" | "create2"; path: string; stat: Stat }
  | { type: "delete" }
  | { type: "setData"; stat: Stat }
  | { type: "check" }
  | { type: "error"; err: number }
  | { type: "multi"; results: OpResult[] }
  | { type: "createSession" }
  | { type: "closeSession" };

export interface ApplyResult {
  result: OpResult;
  /** Notifications the txn triggered, in the order ZooKeeper triggers them. */
  events: WatchEvent[];
}

export type ReadResult<T> = ({ ok: true } & T) | { ok: false; err: number };

export interface SessionInfo {
  sessionId: bigint;
  timeoutMs: number;
}

/** The nodes every ZooKeeper tree starts with (`ls /` shows [zookeeper]). */
const SYSTEM_PATHS = ["/zookeeper", "/zookeeper/quota"] as const;

export class DataTree implements TreeView {
  private readonly nodes = new Map<string, Znode>();
  private readonly sessions = new Map<bigint, number>();
  private readonly ephemerals = new Map<bigint, Set<string>>();
  private readonly dataWatches = new WatchManager();
  private readonly childWatches = new WatchManager();
  private lastZxid: Zxid = 0n;

  constructor() {
    this.nodes.set("/", emptyNode(0n, 0n, 0n));
    for (const path of SYSTEM_PATHS) {
      this.nodes.set(path, emptyNode(0n, 0n, 0n));
      this.mustGet(parentOf(path)).children.add(nameOf(path));
    }
  }

  /** The zxid of the last txn applied (0 for a fresh tree). */
  get lastProcessedZxid(): Zxid {
    return this.lastZxid;
  }

  get nodeCount(): number {
    return this.nodes.size;
  }

  // ---- reads --------------------------------------------------------------------------------

  /** getData; with a watcher, a data watch on the node (only when it exists, as ZooKeeper). */
  getData(path: string, watcher?: WatcherId): ReadResult<{ data: Uint8Array; stat: Stat }> {
    const node = this.nodes.get(path);
    if (node === undefined) return { ok: false, err: ErrorCode.noNode };
    if (watcher !== undefined) this.dataWatches.add(path, watcher);
    return { ok: true, data: node.data, stat: statOf(node) };
  }

  /** exists; with a watcher, a data watch even when the node is absent (fires on its creation). */
  exists(path: string, watcher?: WatcherId): Stat | undefined {
    if (watcher !== undefined) this.dataWatches.add(path, watcher);
    const node = this.nodes.get(path);
    return node === undefined ? undefined : statOf(node);
  }

  /** getChildren/getChildren2: names sorted; with a watcher, a child watch. */
  getChildren(path: string, watcher?: WatcherId): ReadResult<{ children: string[]; stat: Stat }> {
    const node = this.nodes.get(path);
    if (node === undefined) return { ok: false, err: ErrorCode.noNode };
    if (watcher !== undefined) this.childWatches.add(path, watcher);
    return { ok: true, children: [...node.children].sort(), stat: statOf(node) };
  }

  getAcl(path: string): ReadResult<{ acl: Acl[]; stat: Stat }> {
    const node = this.nodes.get(path);
    if (node === undefined) return { ok: false, err: ErrorCode.noNode };
    return { ok: true, acl: node.acl, stat: statOf(node) };
  }

  /** Forgets a watcher's registrations (its connection closed). */
  removeWatcher(watcher: WatcherId): void {
    this.dataWatches.removeWatcher(watcher);
    this.childWatches.removeWatcher(watcher);
  }

  /** The watches a watcher holds, for re-registration (SetWatches) and tests. */
  watchesOf(watcher: WatcherId): { data: string[]; child: string[] } {
    return { data: this.dataWatches.pathsOf(watcher), child: this.childWatches.pathsOf(watcher) };
  }

  // ---- TreeView (what prepare reads) --------------------------------------------------------

  node(path: string): NodeRecord | undefined {
    const node = this.nodes.get(path);
    if (node === undefined) return undefined;
    return { version: node.version, cversion: node.cversion, numChildren: node.children.size, ephemeralOwner: node.ephemeralOwner };
  }

  hasSession(sessionId: bigint): boolean {
    return this.sessions.has(sessionId);
  }

  ephemeralsOf(sessionId: bigint): string[] {
    return [...(this.ephemerals.get(sessionId) ?? [])].sort();
  }

  sessionList(): SessionInfo[] {
    return [...this.sessions].map(([sessionId, timeoutMs]) => ({ sessionId, timeoutMs })).sort((a, b) => (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0));
  }

  // ---- writes -------------------------------------------------------------------------------

  apply(header: TxnHeader, txn: Txn): ApplyResult {
    assert(header.zxid > this.lastZxid, () => `txn ${formatZxid(header.zxid)} applied after ${formatZxid(this.lastZxid)}: txns must arrive in zxid order`);
    assert(Number.isSafeInteger(header.timeMs), () => `txn time ${header.timeMs} is not an integer of milliseconds`);
    const events: WatchEvent[] = [];
    const result = this.applyTxn(header, txn, events);
    this.lastZxid = header.zxid;
    return { result, events };
  }

  private applyTxn(header: TxnHeader, txn: Txn, events: WatchEvent[]): OpResult {
    switch (txn.type) {
      case "createSession":
        this.sessions.set(txn.sessionId, txn.timeoutMs);
        if (!this.ephemerals.has(txn.sessionId)) this.ephemerals.set(txn.sessionId, new Set());
        return { type: "createSession" };
      case "closeSession":
        // Sorted, so every replica deletes (and notifies) in the same order.
        for (const path of this.ephemeralsOf(txn.sessionId)) this.applySub(header, { type: "delete", path }, events);
        this.sessions.delete(txn.sessionId);
        this.ephemerals.delete(txn.sessionId);
        return { type: "closeSession" };
      case "multi": {
        if (txn.txns.some((sub) => sub.type === "error")) {
          return { type: "multi", results: txn.txns.map((sub) => ({ type: "error", err: sub.type === "error" ? sub.err : ErrorCode.runtimeInconsistency })) };
        }
        // All or nothing even on a diverged replica: dry-run the whole multi first.
        const failedAt = this.firstMisfit(txn.txns);
        if (failedAt !== undefined) {
          return { type: "multi", results: txn.txns.map((_, i) => ({ type: "error", err: i < failedAt.index ? ErrorCode.ok : i === failedAt.index ? failedAt.err : ErrorCode.runtimeInconsistency })) };
        }
        return { type: "multi", results: txn.txns.map((sub) => this.applySub(header, sub, events)) };
      }
      default:
        return this.applySub(header, txn, events);
    }
  }

  /** The first sub-txn of a multi that does not fit the tree as the earlier ones leave it. */
  private firstMisfit(txns: readonly MultiSubTxn[]): { index: number; err: number } | undefined {
    const overlay = new ChangeOverlay(this);
    for (let index = 0; index < txns.length; index++) {
      const err = misfit(overlay, txns[index]);
      if (err !== undefined) return { index, err };
      overlay.record(txns[index], 0n);
    }
    return undefined;
  }

  private applySub(header: TxnHeader, txn: MultiSubTxn, events: WatchEvent[]): OpResult {
    const err = misfit(this, txn);
    if (err !== undefined) return { type: "error", err };
    const zxid = header.zxid;
    const time = BigInt(header.timeMs);
    switch (txn.type) {
      case "create": {
        const parentPath = parentOf(txn.path);
        const parent = this.mustGet(parentPath);
        const node = emptyNode(zxid, time, txn.ephemeralOwner);
        node.data = txn.data;
        node.acl = txn.acl;
        this.nodes.set(txn.path, node);
        parent.children.add(nameOf(txn.path));
        // Only creates and deletes change the structure, and only around the paths they name.
        this.checkAround(txn.path);
        parent.cversion = txn.parentCversion;
        parent.pzxid = zxid;
        if (txn.ephemeralOwner !== 0n) {
          let owned = this.ephemerals.get(txn.ephemeralOwner);
          if (owned === undefined) {
            // Only on a diverged replica: the leader never creates an ephemeral for a session
            // it does not know.
            owned = new Set();
            this.ephemerals.set(txn.ephemeralOwner, owned);
          }
          owned.add(txn.path);
        }
        this.notify(events, this.dataWatches.trigger(txn.path), EventType.nodeCreated, txn.path, zxid);
        this.notify(events, this.childWatches.trigger(parentPath), EventType.nodeChildrenChanged, parentPath, zxid);
        return { type: "create", op: txn.op, path: txn.path, stat: statOf(node) };
      }
      case "delete": {
        const parentPath = parentOf(txn.path);
        const parent = this.mustGet(parentPath);
        const node = this.mustGet(txn.path);
        assert(node.children.size === 0, () => `deleting ${txn.path}, which has ${node.children.size} children`);
        this.nodes.delete(txn.path);
        parent.children.delete(nameOf(txn.path));
        this.checkAround(txn.path);
        // ZooKeeper counts creations in cversion, not deletions; pzxid moves forward only.
        if (zxid > parent.pzxid) parent.pzxid = zxid;
        if (node.ephemeralOwner !== 0n) this.ephemerals.get(node.ephemeralOwner)?.delete(txn.path);
        const notified = new Set(this.notify(events, this.dataWatches.trigger(txn.path), EventType.nodeDeleted, txn.path, zxid));
        this.notify(events, this.childWatches.trigger(txn.path, notified), EventType.nodeDeleted, txn.path, zxid);
        this.notify(events, this.childWatches.trigger(parentPath), EventType.nodeChildrenChanged, parentPath, zxid);
        return { type: "delete" };
      }
      case "setData": {
        const node = this.mustGet(txn.path);
        node.data = txn.data;
        node.version = txn.version;
        node.mzxid = zxid;
        node.mtime = time;
        this.notify(events, this.dataWatches.trigger(txn.path), EventType.nodeDataChanged, txn.path, zxid);
        return { type: "setData", stat: statOf(node) };
      }
      case "check":
        return { type: "check" };
      case "error":
        return { type: "error", err: txn.err };
    }
  }

  private notify(events: WatchEvent[], watchers: WatcherId[], type: number, path: string, zxid: Zxid): WatcherId[] {
    for (const watcher of watchers) events.push({ watcher, type, path, zxid });
    return watchers;
  }

  private mustGet(path: string): Znode {
    const node = this.nodes.get(path);
    assert(node !== undefined, () => `no znode ${path}`);
    return node;
  }

  // ---- snapshots and digests ----------------------------------------------------------------

  /** Every node with its persisted fields, sorted by path (snapshot.ts encodes this). */
  entries(): { path: string; node: Readonly<Znode> }[] {
    return [...this.nodes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, node]) => ({ path, node }));
  }

  /** Rebuilds a tree from a snapshot's parts; children and ephemeral sets are derived. */
  static restore(parts: { lastProcessedZxid: Zxid; sessions: readonly SessionInfo[]; nodes: readonly { path: string; node: Omit<Znode, "children"> }[] }): DataTree {
    const tree = new DataTree();
    tree.nodes.clear();
    tree.lastZxid = parts.lastProcessedZxid;
    for (const { sessionId, timeoutMs } of parts.sessions) {
      tree.sessions.set(sessionId, timeoutMs);
      tree.ephemerals.set(sessionId, new Set());
    }
    for (const { path, node } of parts.nodes) {
      assert(!tree.nodes.has(path), () => `snapshot holds ${path} twice`);
      tree.nodes.set(path, { ...node, children: new Set() });
    }
    for (const path of tree.nodes.keys()) {
      if (path === "/") continue;
      const parent = tree.nodes.get(parentOf(path));
      assert(parent !== undefined, () => `snapshot holds ${path} without its parent`);
      parent.children.add(nameOf(path));
      const owner = tree.mustGet(path).ephemeralOwner;
      if (owner !== 0n) tree.ephemerals.get(owner)?.add(path);
    }
    assert(tree.nodes.has("/"), "snapshot without a root");
    tree.checkInvariants();
    return tree;
  }

  /** Asserts the structure: every non-root node's parent lists it, children exist, ephemerals
   *  have no children. O(nodes): run on a whole tree once (a decoded snapshot). */
  private checkInvariants(): void {
    for (const path of this.nodes.keys()) this.checkAround(path);
  }

  /** The structure's rules at `path`: a node is listed by its parent, which is no ephemeral, and
   *  its children exist (none when it is ephemeral); an absent path is not listed by its parent.
   *  O(children). Each create and delete runs it on its path (a delete asserts the
   *  node had no children), which keeps the rules everywhere: nothing else changes the structure. */
  private checkAround(path: string): void {
    const node = this.nodes.get(path);
    const parent = path === "/" ? undefined : this.nodes.get(parentOf(path));
    if (node === undefined) {
      assert(parent?.children.has(nameOf(path)) !== true, () => `${parentOf(path)} lists a missing child ${nameOf(path)}`);
      return;
    }
    for (const child of node.children) assert(this.nodes.has(childPath(path, child)), () => `${path} lists a missing child ${child}`);
    assert(node.ephemeralOwner === 0n || node.children.size === 0, () => `ephemeral ${path} has children`);
    if (path === "/") return;
    assert(parent?.children.has(nameOf(path)) === true, () => `${path} is not listed by its parent`);
    assert(parent.ephemeralOwner === 0n, () => `${path} has an ephemeral parent`);
  }
}

/** Why `txn` cannot apply to `view` (an error code), or undefined when it fits. */
function misfit(view: TreeView, txn: MultiSubTxn): number | undefined {
  switch (txn.type) {
    case "create":
      if (view.node(parentOf(txn.path)) === undefined) return ErrorCode.noNode;
      if (view.node(txn.path) !== undefined) return ErrorCode.nodeExists;
      if (view.node(parentOf(txn.path))?.ephemeralOwner !== 0n) return ErrorCode.noChildrenForEphemerals;
      return undefined;
    case "delete": {
      const node = view.node(txn.path);
      if (node === undefined || txn.path === "/") return ErrorCode.noNode;
      if (node.numChildren > 0) return ErrorCode.notEmpty;
      return undefined;
    }
    case "setData":
    case "check":
      return view.node(txn.path) === undefined ? ErrorCode.noNode : undefined;
    case "error":
      return undefined;
  }
}

function emptyNode(zxid: Zxid, time: bigint, ephemeralOwner: bigint): Znode {
  return {
    data: new Uint8Array(0),
    acl: [...OPEN_ACL_UNSAFE],
    czxid: zxid,
    mzxid: zxid,
    ctime: time,
    mtime: time,
    version: 0,
    cversion: 0,
    aversion: 0,
    ephemeralOwner,
    pzxid: zxid,
    children: new Set(),
  };
}

function statOf(node: Readonly<Znode>): Stat {
  return {
    czxid: node.czxid,
    mzxid: node.mzxid,
    ctime: node.ctime,
    mtime: node.mtime,
    version: node.version,
    cversion: node.cversion,
    aversion: node.aversion,
    ephemeralOwner: node.ephemeralOwner,
    dataLength: node.data.length,
    numChildren: node.children.size,
    pzxid: node.pzxid,
  };
}
