// Raft's safety properties, checked against everything the simulated nodes do. The checker
// knows the whole cluster, which no node does, so it sees what no single node could: two
// leaders in one term, two logs that disagree, a committed entry lost.

import { decodeConfig, NO_NODE, type Entry, type HardState, type NodeId, type RaftNode } from "../../../clusters/raft/core/types.ts";
import { InvariantChecker } from "../simulation/violation.ts";
import { entryKey } from "./describe.ts";

export type RaftViolationKind =
  | "election-safety"
  | "log-matching"
  | "leader-completeness"
  | "state-machine-safety"
  | "durable-state"
  | "applied-not-committed"
  | "stale-read";

/** Raft's safety properties (Raft paper Figure 3) plus the shell contract, checked against
 *  everything the simulated nodes do. Knows the whole cluster, which no node does. */
export class RaftSafetyChecker extends InvariantChecker<RaftViolationKind> {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** "index:term" → what every log must hold there, and the term before it (log matching). */
  private readonly entriesByPosition = new Map<string, { key: string; previousTerm: number }>();
  /** Entries known committed: the key, and the highest term any node had when first seen. */
  private readonly committed = new Map<number, { key: string; term: number; maxTermWhenSeen: number }>();
  private readonly appliedKeys = new Map<number, string>();
  private readonly appliedDigests = new Map<number, number>();
  /** Highest commit index any node has reached. */
  maxCommitted = 0;
  /** Config entries (membership changes) seen committed. */
  configCommits = 0;
  /** The voters of the committed config entry with the highest index: the cluster as it is,
   *  whatever a node that missed its removal believes. Undefined until one commits. */
  committedVoters: NodeId[] | undefined;
  private committedConfigIndex = 0;
  /** For each open read: the highest commit index any node had when the read was requested. */
  private readonly readFloors = new Map<string, number>();

  /** A node (re)started or became leader: the leader of a term must hold every entry committed
   *  while all terms were below it. */
  checkLeader(id: NodeId, term: number, core: RaftNode): void {
    const existing = this.leaderOfTerm.get(term);
    if (existing !== undefined && existing !== id) this.fail("election-safety", `nodes ${existing} and ${id} are both leaders of term ${term}`);
    if (existing === id) return;
    this.leaderOfTerm.set(term, id);
    const status = core.status();
    for (const [index, committed] of this.committed) {
      if (committed.maxTermWhenSeen >= term || index <= status.snapshotIndex) continue;
      const held = core.termAt(index);
      if (held !== committed.term) {
        this.fail("leader-completeness", `node ${id} leads term ${term} without committed entry ${index} (${committed.key}); it holds ${held === undefined ? "nothing" : `term ${held}`} there`);
      }
    }
  }

  /** After a node's commit index moved: record the entries it now calls committed. A committed
   *  entry can never change. */
  observeCommit(id: NodeId, from: number, to: number, core: RaftNode, maxTerm: number): void {
    const status = core.status();
    const start = Math.max(from + 1, status.firstIndex);
    const end = Math.min(to, status.lastIndex);
    if (end >= start) {
      for (const entry of core.entries(start, end)) {
        const key = entryKey(entry);
        const known = this.committed.get(entry.index);
        if (known === undefined) {
          this.committed.set(entry.index, { key, term: entry.term, maxTermWhenSeen: maxTerm });
          if (entry.kind === "config") {
            this.configCommits++;
            if (entry.index > this.committedConfigIndex) {
              this.committedConfigIndex = entry.index;
              this.committedVoters = decodeConfig(entry.data);
            }
          }
        }
        else if (known.key !== key) this.fail("state-machine-safety", `node ${id} commits ${key} at index ${entry.index}, where ${known.key} was committed`);
      }
    }
    this.maxCommitted = Math.max(this.maxCommitted, to);
  }

  /** New log entries on a node (from a Ready): same (index, term) must mean same entry and same
   *  predecessor term, which by induction gives Raft's log matching property. */
  observeEntries(id: NodeId, entries: readonly Entry[], termBefore: number | undefined): void {
    let previousTerm = termBefore;
    for (const entry of entries) {
      const position = `${entry.index}:${entry.term}`;
      const key = entryKey(entry);
      const known = this.entriesByPosition.get(position);
      if (previousTerm === undefined) {
        this.fail("log-matching", `node ${id} appends ${entry.index} after an unknown entry`);
        previousTerm = -1;
      }
      // An entry created by a leader whose term is above every term at the time an entry was
      // seen committed at that index must be that entry (leader completeness). Stale leaders
      // of lower terms may still write elsewhere; they never commit it.
      const committed = this.committed.get(entry.index);
      if (committed !== undefined && committed.key !== key && entry.term > committed.maxTermWhenSeen) {
        this.fail("leader-completeness", `node ${id} holds ${key} at index ${entry.index}, where ${committed.key} was committed before term ${entry.term} began`);
      }
      if (known === undefined) this.entriesByPosition.set(position, { key, previousTerm });
      else if (known.key !== key || known.previousTerm !== previousTerm) {
        this.fail("log-matching", `node ${id} holds ${key} after term ${previousTerm} at index ${entry.index}, another node ${known.key} after term ${known.previousTerm}`);
      }
      previousTerm = entry.term;
    }
  }

  /** A node applied `entry`, making its state machine `digest`; `commit` is its commit index. */
  observeApply(id: NodeId, entry: Entry, digest: number, commit: number): void {
    const key = entryKey(entry);
    if (entry.index > commit) this.fail("applied-not-committed", `node ${id} applies ${key} at ${entry.index} beyond its commit ${commit}`);
    const committed = this.committed.get(entry.index);
    if (committed !== undefined && committed.key !== key) this.fail("state-machine-safety", `node ${id} applies ${key} at index ${entry.index}, where ${committed.key} was committed`);
    const appliedKey = this.appliedKeys.get(entry.index);
    if (appliedKey === undefined) this.appliedKeys.set(entry.index, key);
    else if (appliedKey !== key) this.fail("state-machine-safety", `node ${id} applies ${key} at index ${entry.index}, another node applied ${appliedKey}`);
    this.observeDigest(id, entry.index, digest);
  }

  /** A node's state machine reached `index` with `digest` (by applying or from a snapshot). */
  observeDigest(id: NodeId, index: number, digest: number): void {
    const known = this.appliedDigests.get(index);
    if (known === undefined) this.appliedDigests.set(index, digest);
    else if (known !== digest) this.fail("state-machine-safety", `node ${id}'s state machine at index ${index} differs from another node's at the same index`);
  }

  /** What a node persisted must only move forward: term and commit never decrease, and within
   *  a term the vote never changes once cast. */
  observePersist(id: NodeId, previous: HardState, next: HardState): void {
    if (next.term < previous.term) this.fail("durable-state", `node ${id} persisted term ${next.term} after ${previous.term}`);
    if (next.term === previous.term && previous.vote !== NO_NODE && next.vote !== previous.vote) this.fail("durable-state", `node ${id} changed its vote in term ${next.term} from ${previous.vote} to ${next.vote}`);
    if (next.commit < previous.commit) this.fail("durable-state", `node ${id} persisted commit ${next.commit} after ${previous.commit}`);
  }

  /** Term of the entry known committed at `index`, if any node committed it. */
  committedTerm(index: number): number | undefined {
    return this.committed.get(index)?.term;
  }

  readRequested(requestId: string): void {
    this.readFloors.set(requestId, this.maxCommitted);
  }

  /** A read served at `index` by a state machine that applied `applied` must see every write
   *  committed before it was requested (linearizable reads). */
  readServed(id: NodeId, requestId: string, index: number, applied: number): void {
    const floor = this.readFloors.get(requestId);
    if (floor === undefined) {
      this.fail("stale-read", `node ${id} serves unknown read ${requestId}`);
      return;
    }
    if (index < floor) this.fail("stale-read", `node ${id} serves read ${requestId} at index ${index}, but ${floor} was committed before it was requested`);
    if (applied < index) this.fail("stale-read", `node ${id} serves read ${requestId} at index ${index} with only ${applied} applied after its Ready`);
    this.readFloors.delete(requestId);
  }
}
