// A system under test (DESIGN §3): how to start one product on a runtime's nodes, find its leader,
// and open clients for the workloads it supports; and the claims its report is held against.

import type { Client } from "../harness/interpreter/client.ts";
import type { Rng } from "../harness/rng.ts";
import type { SystemOptions } from "./options.ts";
import type { DockerLayout } from "./runtime/docker/layout.ts";
import type { Runtime } from "./runtime/runtime.ts";

/** What the system promises; the report says of each whether the run upheld or refuted it. */
export interface Claims {
  /** Strongest consistency the system claims for single objects / transactions. */
  model?: "linearizable" | "sequential" | "strict-serializable" | "serializable" | "snapshot-isolation" | "repeatable-read" | "read-committed" | "eventual";
  cap: "CP" | "AP";
  /** Whether an acknowledged write survives the faults (no acknowledged add, message or transfer
   *  lost). Default: promised by every system with a consistency model stronger than eventual. */
  durable?: boolean;
  /** Which side of a partition it promises keeps serving, when that is not what `cap` implies
   *  (CP: the side holding a majority; AP: every side). "no-side": none is promised — every
   *  participant of a two-phase commit, or every replica of a write-all store, must answer, so a
   *  partition may stop the majority side too; CP is then judged on consistency alone, with the
   *  availability by side as evidence. */
  serving?: "no-side";
  /** Free-text qualifiers shown in the report ("reads may be stale without sync"). */
  notes?: string[];
}

export interface BugSwitch {
  name: string;
  /** The safety rule the switch turns off, in words. */
  description: string;
}

/** Everything a system needs while running; built by the runner. */
export interface ClusterContext {
  runtime: Runtime;
  /** Node names, in order. */
  nodes: readonly string[];
  /** Bug switches to turn on (validated against the system's `bugs`). */
  bugs: readonly string[];
  /** System-specific options from the test spec (isolation level, read mode, …). */
  options: Record<string, unknown>;
  rng: Rng;
  /** Appends a line to the run's harness.log. */
  log(line: string): void;
}

export type RuntimeKind = Runtime["kind"];

/** A program or file a node needs, and the Debian package that installs it. */
export interface Requirement {
  /** A program looked up on PATH, or an absolute path to an executable. */
  program?: string;
  /** A file that must exist (a jar). */
  file?: string;
  package: string;
  /** Another way to get it, said after the package ("or pass --opt bindir=DIR"). */
  otherwise?: string;
}

/** Opens a client for one logical process, bound to `node`. */
export type OpenClient = (ctx: ClusterContext, node: string) => Promise<Client>;

export interface System {
  name: string;
  description: string;
  /** What it claims at its default options (what `faultline list` shows). */
  claims: Claims;
  /** What it claims at the options a run chose, where that differs from `claims`: the vendor's
   *  documented guarantee for those settings (PostgreSQL at repeatable read: snapshot isolation).
   *  The run is judged against this; read it through claimsOf. */
  claimsFor?(options: Readonly<Record<string, unknown>>): Claims;
  /** One client opener per workload this system supports, keyed by the workload's name; each is
   *  the system's session running that workload's planner (clusters/client/planned-client.ts). */
  clients: Readonly<Record<string, OpenClient>>;
  /** Its `--opt` options, each with type, default and help (clusters/options.ts). */
  options: SystemOptions;
  /** Workload options this system's clients need, by workload name, as `--opt` text (Kafka's queue
   *  is a partitioned log: `{queue: {ordered: "per-partition"}}`). The runner puts them under the
   *  run's own options, which win; each must be an option the workload reads. */
  workloadDefaults?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** What a node needs installed on the local runtime, checked before any node starts (on docker
   *  the system's image holds it). Given the run's options, which may say where it is. */
  localRequirements?(options: Readonly<Record<string, unknown>>): readonly Requirement[];
  bugs: readonly BugSwitch[];
  runtimes: readonly RuntimeKind[];
  /** Runtimes whose partitions reach this system's peer traffic; default: all of `runtimes`. On the
   *  local runtime only our own nodes route peer traffic through Faultline's proxy. */
  partitionsOn?: readonly RuntimeKind[];
  defaultNodes: number;
  /** Its image and ports on the docker runtime; present exactly when `runtimes` has docker. */
  docker?: DockerLayout;
  /** What the clock, disk, membership and reactive nemeses can reach in its nodes
   *  (clusters/fault-hooks.ts); a kind whose hook is missing is not offered for this system. */
  faults?: SystemFaultHooks;

  /** Starts the server on every node and waits until the cluster serves requests. */
  setup(ctx: ClusterContext): Promise<void>;
  /** Starts one node's server again after a kill (same data directory). */
  restartNode(ctx: ClusterContext, node: string): Promise<void>;
  /** The current leader / primary, if the system has one and it can be found. */
  leader?(ctx: ClusterContext): Promise<string | undefined>;
  /** Stops servers; the runtime's teardown removes whatever is left. */
  teardown(ctx: ClusterContext): Promise<void>;
}

/** The claims a run at `options` is judged against. */
export function claimsOf(system: Pick<System, "claims" | "claimsFor">, options: Readonly<Record<string, unknown>>): Claims {
  return system.claimsFor?.(options) ?? system.claims;
}

// ---- fault hooks (System.faults) ---------------------------------------------------------------
// How the nemeses reach inside a system's nodes, beyond processes and the network. Each hook is
// small and present only where the system's nodes implement it: our own nodes (Raft, and ZAB once
// it runs as a system) share the parts in clusters/node-faults/; real servers get what their
// product offers (libfaketime in their containers, etcd's member API). A fault kind whose hook a
// system lacks is not offered for it (`--nemesis all` leaves it out, naming it refuses).

/** Clocks that a nemesis can move, per node, without touching the host's clock. */
export interface ClockHook {
  /** Runtimes on which this system's clocks can be moved. */
  runtimes: readonly RuntimeKind[];
  /** From now on, `node`'s wall clock reads `offsetMs` ahead of real time (behind when negative);
   *  0 puts it right. Survives the node's restarts, as a machine's clock would. */
  setOffset(ctx: ClusterContext, node: string, offsetMs: number): Promise<void>;
  /** The node's clock as the node itself reports it, minus the harness's own, in ms (corrected by
   *  half the round trip); undefined when the node cannot be asked (down, paused). */
  observeOffset(ctx: ClusterContext, node: string): Promise<number | undefined>;
  /** Undoes every offset on every node, including ones a killed harness left; idempotent. */
  reset(ctx: ClusterContext): Promise<void>;
}

/** A node's write-ahead log as a directory of segment files whose names sort in log order, plus
 *  the node's `synced` watermark (clusters/node-faults/synced-watermark.ts): how far it had made
 *  each segment durable. The disk nemesis damages it only while the node is down. */
export interface DiskHook {
  walDir(ctx: ClusterContext, node: string): string;
  /** What the node itself says its last start's recovery did ("clean: …", "truncated: …");
   *  undefined when it does not answer. */
  recovery(ctx: ClusterContext, node: string): Promise<string | undefined>;
}

/** Something a node did, as it reports it. */
export interface NodeEvent {
  node: string;
  /** elected: became leader of `term`. appended: the leader appended `index` (not yet committed).
   *  acknowledged: a follower acknowledged entries up to `index` to its leader `peer`. committed:
   *  the leader's commit index reached `index`, whose entry has term `entryTerm`.
   *  Atomic commitment (twopc; `term` is the node's incarnation): prepared: a participant locked
   *  and logged transaction `txn` of coordinator `peer` (2PC prepare, 3PC preCommit) and is about
   *  to vote yes; decided: the node, as coordinator, logged its commit decision for `txn`. */
  kind: "elected" | "appended" | "acknowledged" | "committed" | "prepared" | "decided";
  term: number;
  index?: number;
  entryTerm?: number;
  peer?: string;
  /** The transaction (prepared, decided). */
  txn?: string;
  /** prepared: whether the participant's part of the transaction writes (a read-only part
   *  changes nothing whichever way it ends). */
  writes?: boolean;
  /** Harness time (ms since the watcher started) the event arrived. */
  receivedMs: number;
}

export interface EventWatch {
  /** Resolves once every node that answers is being listened to (a bounded wait: a node that is
   *  down is listened to when it comes back). */
  ready: Promise<void>;
  /** Stops watching and closes every connection; idempotent. */
  close(): Promise<void>;
}

/** Events as the nodes emit them, pushed to the harness as they happen. */
export interface EventsHook {
  /** The kinds the nodes publish: a reactive mode waiting for others would never strike. */
  kinds: readonly NodeEvent["kind"][];
  watch(ctx: ClusterContext, onEvent: (event: NodeEvent) => void): EventWatch;
}

/** Who is in the cluster, and changing it through the system's own configuration change. */
export interface MembershipHook {
  /** The members as the nodes report them (the leader's configuration, or the member list); empty
   *  when nobody answers. */
  members(ctx: ClusterContext): Promise<string[]>;
  /** Takes `node` out of the configuration, then stops its server; resolves once the nodes report
   *  it gone. Throws an error with `notChanged: true` when certainly nothing changed (no leader
   *  took the change), any other error when the change may still take effect. */
  remove(ctx: ClusterContext, node: string): Promise<void>;
  /** Starts `node`'s server and adds it to the configuration; resolves once the nodes report it
   *  a member. */
  add(ctx: ClusterContext, node: string): Promise<void>;
  /** The fewest members the system may shrink to. */
  minMembers: number;
}

export interface SystemFaultHooks {
  clock?: ClockHook;
  disk?: DiskHook;
  events?: EventsHook;
  membership?: MembershipHook;
}
