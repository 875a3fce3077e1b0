// Deterministic simulation of Raft cores (TigerBeetle's VOPR, in small): N cores, each inside a
// simulated shell (disk, state machine), over a simulated network that drops, delays, reorders
// and duplicates messages and partitions nodes, with crash-restart from durable state only and
// virtual time. Every run is a function of its seed. After every event a SafetyChecker tests
// Raft's guarantees; the first violation stops the run with the seed and a replay line.
//
// Used by simulation.test.ts (thousands of seeds) and interaction.ts (scripted scenarios).

import { Rng } from "../../harness/rng.ts";
import { RaftCore } from "../../clusters/raft/core/raft.ts";
import {
  NO_NODE,
  type CoreBugs,
  type DurableState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type RaftConfig,
  type Ready,
  type Snapshot,
} from "../../clusters/raft/core/types.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** A broken Raft guarantee, with what proves it. */
export class SafetyViolation extends Error {
  override name = "SafetyViolation";
  constructor(
    readonly kind:
      | "election-safety"
      | "log-matching"
      | "leader-completeness"
      | "state-machine-safety"
      | "durable-state"
      | "applied-not-committed"
      | "stale-read"
      | "liveness"
      /** An assertion in the core (or a broken shell contract) stopped the run. */
      | "assertion",
    detail: string,
  ) {
    super(`${kind}: ${detail}`);
  }
}

/** A readable identity for an entry: two entries are the same iff their keys are. */
export function entryKey(entry: Entry): string {
  return entry.kind === "noop" ? `${entry.term}:noop` : `${entry.term}:${decoder.decode(entry.data)}`;
}

/** FNV-1a over the previous digest and the entry key: the state machine's content in one word. */
function extendDigest(digest: number, key: string): number {
  let hash = digest ^ 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

interface StateMachine {
  applied: number;
  digest: number;
}

// ---- safety checker ----------------------------------------------------------------------------

/** Raft's safety properties (Raft paper Figure 3) plus the shell contract, checked against
 *  everything the simulated nodes do. Knows the whole cluster, which no node does. */
export class SafetyChecker {
  /** Violations seen so far; only filled when recording (otherwise the first one is thrown). */
  readonly violations: SafetyViolation[] = [];

  /** `record`: note violations and carry on, to see what a broken cluster does next. */
  constructor(private readonly mode: "throw" | "record" = "throw") {}

  private fail(violation: SafetyViolation): void {
    if (this.mode === "throw") throw violation;
    this.violations.push(violation);
  }
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** "index:term" → what every log must hold there, and the term before it (log matching). */
  private readonly entriesByPosition = new Map<string, { key: string; previousTerm: number }>();
  /** Entries known committed: the key, and the highest term any node had when first seen. */
  private readonly committed = new Map<number, { key: string; term: number; maxTermWhenSeen: number }>();
  private readonly appliedKeys = new Map<number, string>();
  private readonly appliedDigests = new Map<number, number>();
  /** Highest commit index any node has reached. */
  maxCommitted = 0;
  /** For each open read: the highest commit index any node had when the read was requested. */
  private readonly readFloors = new Map<string, number>();

  /** A node (re)started or became leader: the leader of a term must hold every entry committed
   *  while all terms were below it. */
  checkLeader(id: NodeId, term: number, core: RaftCore): void {
    const existing = this.leaderOfTerm.get(term);
    if (existing !== undefined && existing !== id) this.fail(new SafetyViolation("election-safety", `nodes ${existing} and ${id} are both leaders of term ${term}`));
    if (existing === id) return;
    this.leaderOfTerm.set(term, id);
    const status = core.status();
    for (const [index, committed] of this.committed) {
      if (committed.maxTermWhenSeen >= term || index <= status.snapshotIndex) continue;
      const held = core.termAt(index);
      if (held !== committed.term) {
        this.fail(new SafetyViolation("leader-completeness", `node ${id} leads term ${term} without committed entry ${index} (${committed.key}); it holds ${held === undefined ? "nothing" : `term ${held}`} there`));
      }
    }
  }

  /** After a node's commit index moved: record the entries it now calls committed. A committed
   *  entry can never change. */
  observeCommit(id: NodeId, from: number, to: number, core: RaftCore, maxTerm: number): void {
    const status = core.status();
    const start = Math.max(from + 1, status.firstIndex);
    const end = Math.min(to, status.lastIndex);
    if (end >= start) {
      for (const entry of core.entries(start, end)) {
        const key = entryKey(entry);
        const known = this.committed.get(entry.index);
        if (known === undefined) this.committed.set(entry.index, { key, term: entry.term, maxTermWhenSeen: maxTerm });
        else if (known.key !== key) this.fail(new SafetyViolation("state-machine-safety", `node ${id} commits ${key} at index ${entry.index}, where ${known.key} was committed`));
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
        this.fail(new SafetyViolation("log-matching", `node ${id} appends ${entry.index} after an unknown entry`));
        previousTerm = -1;
      }
      // An entry created by a leader whose term is above every term at the time an entry was
      // seen committed at that index must be that entry (leader completeness). Stale leaders
      // of lower terms may still write elsewhere; they never commit it.
      const committed = this.committed.get(entry.index);
      if (committed !== undefined && committed.key !== key && entry.term > committed.maxTermWhenSeen) {
        this.fail(new SafetyViolation("leader-completeness", `node ${id} holds ${key} at index ${entry.index}, where ${committed.key} was committed before term ${entry.term} began`));
      }
      if (known === undefined) this.entriesByPosition.set(position, { key, previousTerm });
      else if (known.key !== key || known.previousTerm !== previousTerm) {
        this.fail(new SafetyViolation("log-matching", `node ${id} holds ${key} after term ${previousTerm} at index ${entry.index}, another node ${known.key} after term ${known.previousTerm}`));
      }
      previousTerm = entry.term;
    }
  }

  /** A node applied `entry`, making its state machine `digest`; `commit` is its commit index. */
  observeApply(id: NodeId, entry: Entry, digest: number, commit: number): void {
    const key = entryKey(entry);
    if (entry.index > commit) this.fail(new SafetyViolation("applied-not-committed", `node ${id} applies ${key} at ${entry.index} beyond its commit ${commit}`));
    const committed = this.committed.get(entry.index);
    if (committed !== undefined && committed.key !== key) this.fail(new SafetyViolation("state-machine-safety", `node ${id} applies ${key} at index ${entry.index}, where ${committed.key} was committed`));
    const appliedKey = this.appliedKeys.get(entry.index);
    if (appliedKey === undefined) this.appliedKeys.set(entry.index, key);
    else if (appliedKey !== key) this.fail(new SafetyViolation("state-machine-safety", `node ${id} applies ${key} at index ${entry.index}, another node applied ${appliedKey}`));
    this.observeDigest(id, entry.index, digest);
  }

  /** A node's state machine reached `index` with `digest` (by applying or from a snapshot). */
  observeDigest(id: NodeId, index: number, digest: number): void {
    const known = this.appliedDigests.get(index);
    if (known === undefined) this.appliedDigests.set(index, digest);
    else if (known !== digest) this.fail(new SafetyViolation("state-machine-safety", `node ${id}'s state machine at index ${index} differs from another node's at the same index`));
  }

  /** What a node persisted must only move forward: term and commit never decrease, and within
   *  a term the vote never changes once cast. */
  observePersist(id: NodeId, previous: HardState, next: HardState): void {
    if (next.term < previous.term) this.fail(new SafetyViolation("durable-state", `node ${id} persisted term ${next.term} after ${previous.term}`));
    if (next.term === previous.term && previous.vote !== NO_NODE && next.vote !== previous.vote) this.fail(new SafetyViolation("durable-state", `node ${id} changed its vote in term ${next.term} from ${previous.vote} to ${next.vote}`));
    if (next.commit < previous.commit) this.fail(new SafetyViolation("durable-state", `node ${id} persisted commit ${next.commit} after ${previous.commit}`));
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
      this.fail(new SafetyViolation("stale-read", `node ${id} serves unknown read ${requestId}`));
      return;
    }
    if (index < floor) this.fail(new SafetyViolation("stale-read", `node ${id} serves read ${requestId} at index ${index}, but ${floor} was committed before it was requested`));
    if (applied < index) this.fail(new SafetyViolation("stale-read", `node ${id} serves read ${requestId} at index ${index} with only ${applied} applied after its Ready`));
    this.readFloors.delete(requestId);
  }
}

// ---- one simulated node (the shell's part, in memory) --------------------------------------------

export interface NodeSettings {
  voters: NodeId[];
  electionTicks: number;
  heartbeatTicks: number;
  preVote: boolean;
  checkQuorum: boolean;
  maxInflight: number;
  maxEntriesPerMessage: number;
  bugs: CoreBugs;
}

/** A Raft core plus what a shell keeps: a disk that survives crashes and a state machine that
 *  does not. Follows the Ready contract of types.ts exactly. */
export class SimNode {
  core: RaftCore | undefined;
  /** What survives a crash: the last persisted hard state, snapshot and entries. */
  readonly disk: { hardState: HardState; snapshot?: Snapshot; entries: Entry[] };
  stateMachine: StateMachine = { applied: 0, digest: 0 };
  /** A Ready taken from the core whose I/O has not completed. */
  pendingReady: Ready | undefined;
  /** Bumps on every crash, so that I/O scheduled by a previous life is ignored. */
  incarnation = 0;
  /** Commit index last reported to the checker. */
  private observedCommit = 0;
  private observedTerm = 0;
  private wasLeader = false;

  constructor(
    readonly id: NodeId,
    private readonly settings: NodeSettings,
    private readonly random: Rng,
    private readonly checker: SafetyChecker,
    private readonly maxTerm: () => number,
  ) {
    this.disk = { hardState: { term: 0, vote: NO_NODE, commit: 0 }, entries: [] };
    this.core = new RaftCore(this.config(undefined));
  }

  private config(applied: number | undefined): RaftConfig {
    const config: RaftConfig = {
      id: this.id,
      voters: this.settings.voters,
      electionTicks: this.settings.electionTicks,
      heartbeatTicks: this.settings.heartbeatTicks,
      preVote: this.settings.preVote,
      checkQuorum: this.settings.checkQuorum,
      maxInflight: this.settings.maxInflight,
      maxEntriesPerMessage: this.settings.maxEntriesPerMessage,
      random: this.random,
      bugs: this.settings.bugs,
    };
    if (applied !== undefined) config.applied = applied;
    return config;
  }

  get alive(): boolean {
    return this.core !== undefined;
  }

  /** Loses everything not on disk: the core, the state machine, the Ready in progress. */
  crash(): void {
    this.core = undefined;
    this.pendingReady = undefined;
    this.stateMachine = { applied: 0, digest: 0 };
    this.incarnation++;
  }

  /** Starts again from the disk, rebuilding the state machine from the snapshot. */
  restart(): void {
    const durable: DurableState = { hardState: { ...this.disk.hardState }, entries: this.disk.entries.slice() };
    let applied = 0;
    if (this.disk.snapshot !== undefined) {
      durable.snapshot = this.disk.snapshot;
      this.stateMachine = decodeStateMachine(this.disk.snapshot.data);
      applied = this.stateMachine.applied;
    } else {
      this.stateMachine = { applied: 0, digest: 0 };
    }
    this.core = new RaftCore(this.config(applied), durable);
    this.observedCommit = Math.min(this.observedCommit, this.core.status().commit);
    this.wasLeader = false;
    this.observe();
  }

  /** Takes the next Ready if there is one and none is in progress. */
  takeReady(): Ready | undefined {
    const core = this.core;
    if (core === undefined || this.pendingReady !== undefined || !core.hasReady()) return undefined;
    const ready = core.ready();
    // Log matching is checked on everything a node appends, when it first leaves the core.
    if (ready.entries.length > 0) this.checker.observeEntries(this.id, ready.entries, core.termAt(ready.entries[0].index - 1));
    this.pendingReady = ready;
    return ready;
  }

  /** The shell's I/O for the pending Ready: persist, then (returned) messages to send, then
   *  apply and serve reads, then advance. */
  completeReady(): Message[] {
    const core = this.core;
    const ready = this.pendingReady;
    if (core === undefined || ready === undefined) return [];
    this.pendingReady = undefined;

    // 1. persist
    if (ready.snapshot !== undefined) {
      this.disk.snapshot = ready.snapshot;
      this.disk.entries = [];
      this.stateMachine = decodeStateMachine(ready.snapshot.data);
      this.checker.observeDigest(this.id, this.stateMachine.applied, this.stateMachine.digest);
    }
    if (ready.entries.length > 0) {
      const first = ready.entries[0].index;
      const kept = this.disk.entries.filter((entry) => entry.index < first);
      const expected = (kept.length > 0 ? kept[kept.length - 1].index : (this.disk.snapshot?.metadata.index ?? 0)) + 1;
      if (first !== expected) throw new Error(`node ${this.id}: Ready entries start at ${first}, disk continues at ${expected}`);
      this.disk.entries = kept.concat(ready.entries);
    }
    if (ready.hardState !== undefined) {
      this.checker.observePersist(this.id, this.disk.hardState, ready.hardState);
      this.disk.hardState = ready.hardState;
    }
    // 2. messages go out now (returned to the caller).
    // 3. apply, then serve reads.
    const commit = core.status().commit;
    for (const entry of ready.committedEntries) {
      if (entry.index !== this.stateMachine.applied + 1) throw new Error(`node ${this.id}: applying ${entry.index} after ${this.stateMachine.applied}`);
      this.stateMachine = { applied: entry.index, digest: extendDigest(this.stateMachine.digest, entryKey(entry)) };
      this.checker.observeApply(this.id, entry, this.stateMachine.digest, commit);
    }
    for (const read of ready.readStates) this.checker.readServed(this.id, read.requestId, read.index, this.stateMachine.applied);
    // 4. advance
    core.advance(ready);
    this.observe();
    return ready.messages;
  }

  /** Snapshots the state machine and compacts the log once `threshold` entries were applied
   *  since the last snapshot. */
  maybeCompact(threshold: number): boolean {
    const core = this.core;
    if (core === undefined || this.pendingReady !== undefined) return false;
    const status = core.status();
    if (status.applied - status.snapshotIndex < threshold || this.stateMachine.applied !== status.applied) return false;
    if (status.applied > core.persistedIndex()) return false;
    const snapshot = core.compact(status.applied, encodeStateMachine(this.stateMachine));
    this.disk.snapshot = snapshot;
    this.disk.entries = this.disk.entries.filter((entry) => entry.index > snapshot.metadata.index);
    return true;
  }

  /** Reports what changed in the core to the checker: commit progress and leadership. */
  observe(): void {
    const core = this.core;
    if (core === undefined) return;
    const status = core.status();
    if (status.commit > this.observedCommit) {
      this.checker.observeCommit(this.id, this.observedCommit, status.commit, core, this.maxTerm());
      this.observedCommit = status.commit;
    } else if (status.commit < this.observedCommit) {
      this.observedCommit = status.commit;
    }
    const isLeader = status.role === "leader";
    if (isLeader && (!this.wasLeader || status.term !== this.observedTerm)) this.checker.checkLeader(this.id, status.term, core);
    this.wasLeader = isLeader;
    this.observedTerm = status.term;
  }
}

function encodeStateMachine(stateMachine: StateMachine): Uint8Array {
  return encoder.encode(JSON.stringify(stateMachine));
}

function decodeStateMachine(data: Uint8Array): StateMachine {
  const parsed: unknown = JSON.parse(decoder.decode(data));
  if (typeof parsed !== "object" || parsed === null) throw new Error("snapshot data is not a state machine");
  const { applied, digest } = parsed as Record<string, unknown>;
  if (typeof applied !== "number" || typeof digest !== "number") throw new Error("snapshot data is not a state machine");
  return { applied, digest };
}

// ---- the randomized simulation -----------------------------------------------------------------

/** Virtual time: one tick is TICK units; latencies are drawn in units. */
const TICK = 10;

export interface FaultProfile {
  /** Per message. */
  dropRate: number;
  duplicateRate: number;
  /** Per message: delivered after up to `longDelayTicks` instead of within a tick (reordering). */
  longDelayRate: number;
  longDelayTicks: number;
  /** Per tick of the run: start a partition (when none is active). */
  partitionRate: number;
  /** A partition heals after a duration drawn from [min, max] ticks. */
  partitionTicksMin: number;
  partitionTicksMax: number;
  /** When a node wins an election: probability that it is isolated 0–3 ticks later (Jepsen's
   *  partition-leader nemesis, timed to catch a new leader mid-replication as in Figure 8). */
  isolateNewLeaderRate: number;
  /** When a leader's commit index advances: probability that it is isolated at once, with
   *  what it was about to send still in flight. */
  isolateOnCommitRate: number;
  /** Per tick: crash a random live node. */
  crashRate: number;
  /** Per tick: client write / read. */
  proposeRate: number;
  readRate: number;
  /** Entries applied between snapshots (0: never compact). */
  compactEvery: number;
}

export interface SimulationOptions {
  seed: number;
  nodes: number;
  /** Duration of the faulty phase, in ticks; a fault-free phase follows. */
  ticks: number;
  bugs?: CoreBugs;
  faults?: Partial<FaultProfile>;
  maxEntriesPerMessage?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  /** Stop with a liveness violation after this many events (a message storm); default 1e6. */
  maxEvents?: number;
  /** Check at the end that the healed cluster converges and commits a write. */
  checkLiveness?: boolean;
  /** Keep every event for printing (replays). */
  trace?: boolean;
  /** Note safety violations and keep going (to see whether a broken cluster keeps running)
   *  instead of stopping at the first. */
  recordViolations?: boolean;
}

export interface SimulationResult {
  seed: number;
  violation?: SafetyViolation;
  /** With recordViolations: every safety violation noted. */
  violations: SafetyViolation[];
  /** The last events before the end (all events with `trace`), one line each. */
  trace: string[];
  stats: { events: number; elections: number; committed: number; crashes: number; partitions: number; snapshotsSent: number; reads: number };
}

type SimEvent =
  | { kind: "tick"; node: NodeId }
  | { kind: "deliver"; message: Message }
  | { kind: "io"; node: NodeId; incarnation: number }
  | { kind: "restart"; node: NodeId }
  | { kind: "isolate"; node: NodeId; term: number }
  | { kind: "heal"; links: string[] };

interface Scheduled {
  time: number;
  sequence: number;
  event: SimEvent;
}

/** A binary min-heap on (time, sequence): simultaneous events run in scheduling order. */
class EventQueue {
  private readonly heap: Scheduled[] = [];
  private sequence = 0;

  get size(): number {
    return this.heap.length;
  }

  push(time: number, event: SimEvent): void {
    const item = { time, sequence: this.sequence++, event };
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(item, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = item;
  }

  pop(): Scheduled | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right], heap[left]) ? right : left;
      if (!before(heap[child], last)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.time < b.time || (a.time === b.time && a.sequence < b.sequence);
}

const TRACE_TAIL = 400;

/** How long a healed cluster may take to elect a leader and apply a fresh write everywhere. */
const SETTLE_TICKS = 300;

/** Picks everything a seed decides about a run (cluster size, configuration, fault mix) so that
 *  the seed alone replays it. Overrides win. */
export function optionsForSeed(seed: number, overrides: Partial<SimulationOptions> = {}): SimulationOptions {
  const random = new Rng(seed ^ 0x5eed);
  const style = random.pick(["network", "leaders", "crashes"] as const);
  const faults: Partial<FaultProfile> = {
    dropRate: random.pick([0, 0.02, 0.1]),
    duplicateRate: random.pick([0, 0.05]),
    longDelayRate: random.pick([0, 0.05, 0.2]),
    partitionRate: style === "leaders" ? 0 : random.pick([0.02, 0.05]),
    partitionTicksMin: random.pick([3, 10]),
    partitionTicksMax: random.pick([20, 40]),
    // "leaders": the targeted nemesis that produces Figure-8 histories.
    isolateNewLeaderRate: style === "leaders" ? 0.5 : random.pick([0, 0.2]),
    isolateOnCommitRate: style === "leaders" ? 0.3 : random.pick([0, 0.01]),
    crashRate: style === "crashes" ? 0.05 : random.pick([0, 0.01]),
    compactEvery: random.pick([0, 4, 16]),
  };
  const options: SimulationOptions = {
    seed,
    nodes: random.bool() ? 3 : 5,
    ticks: 200,
    maxEntriesPerMessage: random.pick([1, 2, 64]),
    // Mostly the production setting; sometimes without pre-vote or check-quorum, which must be
    // just as safe.
    preVote: random.bool(0.75),
    checkQuorum: random.bool(0.75),
    faults,
    checkLiveness: true,
  };
  return { ...options, ...overrides, faults: { ...options.faults, ...overrides.faults } };
}

/** The fault mix that finds Figure-8 histories fastest (commitOldTerm): three nodes, one entry
 *  per message, and leaders isolated right after election or right after a commit. */
export const FIGURE_8_HUNT: Partial<SimulationOptions> = {
  nodes: 3,
  maxEntriesPerMessage: 1,
  faults: { dropRate: 0, duplicateRate: 0, longDelayRate: 0, partitionRate: 0, crashRate: 0, isolateNewLeaderRate: 0.5, isolateOnCommitRate: 0.3, partitionTicksMin: 10, partitionTicksMax: 40, proposeRate: 1 },
};

export class Simulation {
  readonly nodes: SimNode[] = [];
  readonly checker: SafetyChecker;
  private readonly queue = new EventQueue();
  private readonly random: Rng;
  private readonly faults: FaultProfile;
  private now = 0;
  /** Directed links that drop everything ("from>to"), with how many active partitions cut
   *  each: partitions overlap and heal independently. */
  private readonly blocked = new Map<string, number>();
  private faultsOn = true;
  /** Each node's commit index when last seen (for the isolate-on-commit nemesis). */
  private readonly leaderCommits = new Map<NodeId, number>();
  private proposalCounter = 0;
  private readCounter = 0;
  private readonly traceLines: string[] = [];
  readonly stats = { events: 0, elections: 0, committed: 0, crashes: 0, partitions: 0, snapshotsSent: 0, reads: 0 };

  constructor(readonly options: SimulationOptions) {
    this.random = new Rng(options.seed);
    this.checker = new SafetyChecker(options.recordViolations ? "record" : "throw");
    this.faults = {
      dropRate: 0.02,
      duplicateRate: 0.02,
      longDelayRate: 0.05,
      longDelayTicks: 6,
      partitionRate: 0.03,
      partitionTicksMin: 5,
      partitionTicksMax: 40,
      isolateNewLeaderRate: 0.2,
      isolateOnCommitRate: 0.01,
      crashRate: 0.01,
      proposeRate: 0.6,
      readRate: 0.2,
      compactEvery: 8,
      ...options.faults,
    };
    const voters = Array.from({ length: options.nodes }, (_, i) => i + 1);
    const settings: NodeSettings = {
      voters,
      electionTicks: 10,
      heartbeatTicks: 2,
      preVote: options.preVote ?? true,
      checkQuorum: options.checkQuorum ?? true,
      maxInflight: 8,
      maxEntriesPerMessage: options.maxEntriesPerMessage ?? 64,
      bugs: options.bugs ?? {},
    };
    for (const id of voters) {
      this.nodes.push(new SimNode(id, settings, this.random.fork(), this.checker, () => this.maxTerm()));
      // Nodes tick out of phase, as real clocks do.
      this.queue.push(this.random.int(TICK), { kind: "tick", node: id });
    }
  }

  /** Runs the faulty phase, then (with checkLiveness) a calm phase that must converge. */
  run(): SimulationResult {
    let violation: SafetyViolation | undefined;
    try {
      this.runUntil(this.options.ticks * TICK);
      if (this.options.checkLiveness) this.settle();
    } catch (error) {
      if (!(error instanceof SafetyViolation)) {
        // An assertion inside the core, or a contract break: a violation of its own kind.
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        this.trace(`!! ${message}`);
        violation = new SafetyViolation("assertion", message);
        if (error instanceof Error && error.stack !== undefined) violation.stack = error.stack;
      } else {
        violation = error;
      }
    }
    const result: SimulationResult = { seed: this.options.seed, violations: this.checker.violations, trace: this.traceLines.slice(), stats: { ...this.stats, committed: this.checker.maxCommitted } };
    if (violation !== undefined) result.violation = violation;
    return result;
  }

  private runUntil(endTime: number): void {
    for (;;) {
      const next = this.queue.pop();
      if (next === undefined) throw new Error("event queue ran dry");
      if (next.time > endTime) {
        this.queue.push(next.time, next.event);
        this.now = endTime;
        return;
      }
      // Client and nemesis decisions happen once per tick boundary of virtual time.
      const previousTick = Math.floor(this.now / TICK);
      this.now = next.time;
      for (let tick = previousTick + 1; tick <= Math.floor(this.now / TICK); tick++) this.perTick();
      this.stats.events++;
      if (this.stats.events > (this.options.maxEvents ?? 1_000_000)) throw new SafetyViolation("liveness", `more than ${this.stats.events - 1} events: a message storm`);
      this.handle(next.event);
    }
  }

  /** Heals everything, restarts crashed nodes, stops faults; the cluster must then elect a
   *  leader, commit a fresh write everywhere and agree on the commit index. */
  private settle(): void {
    this.faultsOn = false;
    this.blocked.clear();
    for (const node of this.nodes) {
      if (!node.alive) {
        this.trace(`restart ${node.id}`);
        node.restart();
        this.processIo(node);
      }
    }
    // Without pre-vote a node with a stale log can keep disrupting elections for a while (each
    // of its campaigns resets everyone's timer), so allow many election timeouts.
    const healedAt = this.now;
    const deadline = healedAt + SETTLE_TICKS * TICK;
    let leader: SimNode | undefined;
    while (leader === undefined) {
      if (this.now >= deadline) throw new SafetyViolation("liveness", `no stable leader ${SETTLE_TICKS} ticks after healing`);
      this.runUntil(this.now + 5 * TICK);
      leader = this.stableLeader();
    }
    const core = leader.core;
    if (core === undefined) throw new Error("leader without a core");
    const proposal = core.propose(`final-${this.options.seed}`);
    if (!proposal.ok) throw new SafetyViolation("liveness", `leader ${leader.id} refuses a proposal`);
    this.trace(`propose ${leader.id} final -> ${proposal.index}@${proposal.term}`);
    this.processIo(leader);
    for (;;) {
      this.runUntil(this.now + 5 * TICK);
      const lagging = this.nodes.find((node) => node.stateMachine.applied < proposal.index);
      if (lagging === undefined) break;
      if (this.now >= deadline) {
        throw new SafetyViolation("liveness", `node ${lagging.id} has commit ${lagging.core?.status().commit}, applied ${lagging.stateMachine.applied} ${SETTLE_TICKS} ticks after healing; the final write is at ${proposal.index}`);
      }
    }
    // No fault since the heal, so the write must have survived wherever leadership went.
    if (this.checker.committedTerm(proposal.index) !== proposal.term) {
      throw new SafetyViolation("liveness", `final write at ${proposal.index}@${proposal.term} was replaced without any fault`);
    }
  }

  private maxTerm(): number {
    let max = 0;
    for (const node of this.nodes) {
      max = Math.max(max, node.disk.hardState.term, node.core?.status().term ?? 0);
    }
    return max;
  }

  /** A leader every node follows in its term: without faults it stays leader. */
  private stableLeader(): SimNode | undefined {
    const leader = this.currentLeader();
    const term = leader?.core?.status().term;
    if (leader === undefined || term === undefined) return undefined;
    for (const node of this.nodes) {
      const status = node.core?.status();
      if (status === undefined || status.term !== term || status.leader !== leader.id) return undefined;
    }
    return leader;
  }

  /** The live leader of the highest term, if any. */
  private currentLeader(): SimNode | undefined {
    let best: SimNode | undefined;
    let bestTerm = -1;
    for (const node of this.nodes) {
      const status = node.core?.status();
      if (status?.role === "leader" && status.term > bestTerm) {
        best = node;
        bestTerm = status.term;
      }
    }
    return best;
  }

  private node(id: NodeId): SimNode {
    const node = this.nodes[id - 1];
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  private handle(event: SimEvent): void {
    switch (event.kind) {
      case "tick": {
        const node = this.node(event.node);
        this.queue.push(this.now + TICK, event);
        if (node.core === undefined) return;
        const wasLeader = node.core.status().role === "leader";
        node.core.tick();
        if (this.options.trace) this.trace(`tick ${node.id}`);
        if (!wasLeader) this.maybeElected(node);
        this.afterCoreEvent(node);
        return;
      }
      case "deliver": {
        const message = event.message;
        const node = this.node(message.to);
        if (node.core === undefined) return;
        if (this.blocked.has(`${message.from}>${message.to}`)) {
          if (this.options.trace) this.trace(`drop(partition) ${describeMessage(message)}`);
          return;
        }
        if (this.options.trace) this.trace(`deliver ${describeMessage(message)}`);
        const wasLeader = node.core.status().role === "leader";
        node.core.step(message);
        if (!wasLeader) this.maybeElected(node);
        this.afterCoreEvent(node);
        return;
      }
      case "io": {
        const node = this.node(event.node);
        if (node.incarnation !== event.incarnation) return;
        this.completeIo(node);
        return;
      }
      case "restart": {
        const node = this.node(event.node);
        if (node.alive) return;
        this.trace(`restart ${node.id} from term ${node.disk.hardState.term} vote ${node.disk.hardState.vote} commit ${node.disk.hardState.commit}, ${node.disk.entries.length} entries, snapshot ${node.disk.snapshot?.metadata.index ?? 0}`);
        node.restart();
        this.afterCoreEvent(node);
        return;
      }
      case "isolate": {
        const status = this.node(event.node).core?.status();
        if (!this.faultsOn || status?.role !== "leader" || status.term !== event.term) return;
        this.isolate(event.node);
        return;
      }
      case "heal": {
        for (const link of event.links) {
          const count = this.blocked.get(link) ?? 0;
          if (count <= 1) this.blocked.delete(link);
          else this.blocked.set(link, count - 1);
        }
        this.trace(`heal ${event.links.join(" ")}`);
        return;
      }
    }
  }

  /** Client requests and faults, decided once per tick. */
  private perTick(): void {
    const random = this.random;
    if (random.bool(this.faults.proposeRate)) this.propose();
    if (random.bool(this.faults.readRate)) this.read();
    if (!this.faultsOn) return;
    if (this.blocked.size === 0 && random.bool(this.faults.partitionRate)) this.partition();
    if (random.bool(this.faults.crashRate)) {
      const live = this.nodes.filter((node) => node.alive);
      // Keep a majority alive most of the time so that the run makes progress.
      if (live.length > Math.floor(this.nodes.length / 2) + (random.bool(0.2) ? 0 : 1)) {
        const victim = random.pick(live);
        this.trace(`crash ${victim.id} (pending Ready ${victim.pendingReady === undefined ? "none" : "lost"})`);
        victim.crash();
        this.stats.crashes++;
        this.queue.push(this.now + TICK * random.between(2, 30), { kind: "restart", node: victim.id });
      }
    }
  }

  private maybeElected(node: SimNode): void {
    const status = node.core?.status();
    if (status?.role !== "leader") return;
    this.stats.elections++;
    if (this.faultsOn && this.random.bool(this.faults.isolateNewLeaderRate)) {
      // Half the time before its first appends arrive anywhere, otherwise mid-replication.
      const delay = this.random.bool() ? 0 : this.random.int(3 * TICK);
      this.queue.push(this.now + delay, { kind: "isolate", node: node.id, term: status.term });
    }
  }

  private partition(): void {
    const random = this.random;
    const ids = this.nodes.map((node) => node.id);
    let groups: NodeId[][];
    const leader = this.currentLeader();
    const style = random.int(3);
    if (style === 0 && leader !== undefined) {
      groups = [[leader.id], ids.filter((id) => id !== leader.id)];
    } else if (style === 1 && leader !== undefined && ids.length >= 5) {
      // The leader keeps a minority, the rest elect a new leader.
      const others = random.shuffle(ids.filter((id) => id !== leader.id));
      groups = [[leader.id, others[0]], others.slice(1)];
    } else {
      const shuffled = random.shuffle(ids);
      const cut = random.between(1, ids.length - 1);
      groups = [shuffled.slice(0, cut), shuffled.slice(cut)];
    }
    this.partitionGroups(groups);
  }

  private partitionGroups(groups: NodeId[][]): void {
    const random = this.random;
    const links: string[] = [];
    for (const from of groups[0]) {
      for (const to of groups[1]) links.push(`${from}>${to}`, `${to}>${from}`);
    }
    for (const link of links) this.blocked.set(link, (this.blocked.get(link) ?? 0) + 1);
    this.stats.partitions++;
    this.trace(`partition ${groups.map((group) => group.join(" ")).join(" | ")}`);
    this.queue.push(this.now + TICK * random.between(this.faults.partitionTicksMin, this.faults.partitionTicksMax), { kind: "heal", links });
  }

  private propose(): void {
    const random = this.random;
    const leader = this.currentLeader();
    const live = this.nodes.filter((node) => node.alive);
    if (live.length === 0) return;
    const target = leader !== undefined && random.bool(0.8) ? leader : random.pick(live);
    const core = target.core;
    if (core === undefined) return;
    const value = `v${++this.proposalCounter}`;
    const result = core.propose(value);
    if (this.options.trace) this.trace(`propose ${target.id} ${value} -> ${result.ok ? `${result.index}@${result.term}` : `not leader (hint ${result.leaderHint})`}`);
    this.afterCoreEvent(target);
  }

  private read(): void {
    const leader = this.currentLeader();
    const core = leader?.core;
    if (leader === undefined || core === undefined) return;
    const requestId = `r${++this.readCounter}`;
    this.checker.readRequested(requestId);
    const result = core.readIndex(requestId);
    if (result.ok) this.stats.reads++;
    if (this.options.trace) this.trace(`read ${leader.id} ${requestId} -> ${result.ok ? "pending" : "not leader"}`);
    this.afterCoreEvent(leader);
  }

  /** After the core changed: report to the checker, start I/O for a new Ready. */
  private afterCoreEvent(node: SimNode): void {
    node.observe();
    const status = node.core?.status();
    if (status !== undefined) {
      const seen = this.leaderCommits.get(node.id) ?? 0;
      if (status.role === "leader" && status.commit > seen && this.faultsOn && this.random.bool(this.faults.isolateOnCommitRate)) {
        this.isolate(node.id);
      }
      this.leaderCommits.set(node.id, status.commit);
    }
    this.processIo(node);
  }

  private isolate(id: NodeId): void {
    this.partitionGroups([[id], this.nodes.map((node) => node.id).filter((other) => other !== id)]);
  }

  private processIo(node: SimNode): void {
    const ready = node.takeReady();
    if (ready === undefined) return;
    if (this.options.trace) this.trace(`ready ${node.id}: ${describeReady(ready)}`);
    // Disk latency: the Ready completes later; meanwhile messages and ticks still reach the core.
    this.queue.push(this.now + this.random.int(4), { kind: "io", node: node.id, incarnation: node.incarnation });
  }

  private completeIo(node: SimNode): void {
    const messages = node.completeReady();
    for (const message of messages) this.send(message);
    if (this.faults.compactEvery > 0 && node.maybeCompact(this.faults.compactEvery)) {
      if (this.options.trace) this.trace(`compact ${node.id} at ${node.core?.status().snapshotIndex}`);
    }
    this.afterCoreEvent(node);
  }

  private send(message: Message): void {
    const random = this.random;
    if (message.type === "installSnapshot") this.stats.snapshotsSent++;
    if (this.faultsOn && random.bool(this.faults.dropRate)) {
      if (this.options.trace) this.trace(`drop ${describeMessage(message)}`);
      return;
    }
    const copies = this.faultsOn && random.bool(this.faults.duplicateRate) ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      const latency = this.faultsOn && random.bool(this.faults.longDelayRate) ? random.between(TICK, TICK * this.faults.longDelayTicks) : random.between(1, TICK / 2);
      this.queue.push(this.now + latency, { kind: "deliver", message });
    }
  }

  private trace(line: string): void {
    this.traceLines.push(`${String(this.now).padStart(6)} ${line}`);
    if (!this.options.trace && this.traceLines.length > TRACE_TAIL * 2) this.traceLines.splice(0, this.traceLines.length - TRACE_TAIL);
  }
}

export function runSimulation(options: SimulationOptions): SimulationResult {
  return new Simulation(options).run();
}

// ---- descriptions for traces and scenario output -------------------------------------------------

export function describeEntry(entry: Entry): string {
  return entry.kind === "noop" ? `${entry.index}@${entry.term} noop` : `${entry.index}@${entry.term} ${JSON.stringify(decoder.decode(entry.data))}`;
}

export function describeMessage(message: Message): string {
  const head = `${message.from}->${message.to} ${message.type} term=${message.term}`;
  switch (message.type) {
    case "appendEntries":
      return `${head} prev=${message.prevIndex}@${message.prevTerm} commit=${message.commit} [${message.entries.map(describeEntry).join(", ")}]`;
    case "appendEntriesResponse":
      return message.reject ? `${head} reject index=${message.index} hint=${message.hintIndex}@${message.hintTerm}` : `${head} index=${message.index}`;
    case "heartbeat":
      return `${head} commit=${message.commit}${message.context === undefined ? "" : ` context=${message.context}`}`;
    case "heartbeatResponse":
      return `${head}${message.context === undefined ? "" : ` context=${message.context}`}`;
    case "requestVote":
      return `${head}${message.preVote ? " pre" : ""} last=${message.lastIndex}@${message.lastTerm}`;
    case "requestVoteResponse":
      return `${head}${message.preVote ? " pre" : ""} ${message.granted ? "granted" : "rejected"}`;
    case "installSnapshot":
      return `${head} snapshot=${message.snapshot.metadata.index}@${message.snapshot.metadata.term}`;
  }
}

function describeReady(ready: Ready): string {
  const parts: string[] = [];
  if (ready.softState !== undefined) parts.push(`${ready.softState.role} (leader ${ready.softState.leader})`);
  if (ready.hardState !== undefined) parts.push(`hard term=${ready.hardState.term} vote=${ready.hardState.vote} commit=${ready.hardState.commit}`);
  if (ready.snapshot !== undefined) parts.push(`snapshot ${ready.snapshot.metadata.index}@${ready.snapshot.metadata.term}`);
  if (ready.entries.length > 0) parts.push(`persist [${ready.entries.map(describeEntry).join(", ")}]`);
  if (ready.committedEntries.length > 0) parts.push(`apply ${ready.committedEntries[0].index}..${ready.committedEntries[ready.committedEntries.length - 1].index}`);
  if (ready.messages.length > 0) parts.push(`${ready.messages.length} msgs`);
  if (ready.readStates.length > 0) parts.push(`reads ${ready.readStates.map((read) => `${read.requestId}@${read.index}`).join(" ")}`);
  return parts.join("; ");
}
