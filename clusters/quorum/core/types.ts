// The contract of the leaderless quorum core (core.ts): N replicas of each key, versioned values,
// and a coordinator per client request — the node the client talks to — that reads from R
// replicas and writes to W (SEEDS.md C11, and write-all-read-one: W = N, R = 1).
//
// Versions are tags (counter, writer), ordered by counter and then by writer, the id of the write
// operation (unique across nodes and restarts), so two writes never make equal tags. A write first
// asks R replicas for their tags and writes the next counter under its own id: when W + R > N that
// query meets every completed write, so a newer write gets a higher tag (multi-writer ABD). A read takes the highest tag among R replies; with write-back it
// first makes that value reach W replicas (ABD's second phase), without it two reads during one
// write may disagree — the seeds' point that a quorum alone cannot tell the latest committed
// version.

export interface Tag {
  counter: number;
  /** The write operation's id (CoreConfig.opPrefix and a sequence number). */
  writer: string;
}

/** A replica's copy of a key; value null and NO_TAG when it has none. */
export interface Versioned {
  tag: Tag;
  value: number | null;
}

export const NO_TAG: Tag = { counter: 0, writer: "" };

/** Negative when `a` is older than `b`. */
export function compareTags(a: Tag, b: Tag): number {
  if (a.counter !== b.counter) return a.counter - b.counter;
  return a.writer < b.writer ? -1 : a.writer > b.writer ? 1 : 0;
}

export function describeTag(tag: Tag): string {
  return tag.counter === 0 ? "none" : `${tag.counter}@${tag.writer}`;
}

interface Addressed {
  from: string;
  to: string;
  /** The coordinator's operation this message belongs to. */
  op: string;
  key: string;
}

export type PeerMessage =
  | (Addressed & { type: "query" })
  | (Addressed & { type: "queryReply"; copy: Versioned })
  | (Addressed & { type: "store"; copy: Versioned })
  | (Addressed & { type: "storeAck" });

/** A replica stored a newer copy of a key. */
export interface LogRecord {
  t: "stored";
  key: string;
  copy: Versioned;
}

export type ClientReply =
  | { requestId: number; ok: true; value: number | null }
  /** NOQUORUM: the operation took no effect (too few replicas answered before anything was
   *  written); UNKNOWN: a write reached fewer than W replicas, which keep it. */
  | { requestId: number; ok: false; code: "NOQUORUM" | "UNKNOWN"; reason: string };

/** What the shell must do: make `records` durable (after every earlier Ready's), then send
 *  `messages` and `replies`. */
export interface Ready {
  records: LogRecord[];
  messages: PeerMessage[];
  replies: ClientReply[];
  logs: string[];
}

export interface CoreConfig {
  self: string;
  /** Every node, in the cluster's order (the order places keys: replicasOf). */
  nodes: readonly string[];
  /** Replicas per key. */
  n: number;
  /** Replicas that must store a write (and a read's write-back) before it is acknowledged. */
  w: number;
  /** Replicas a read (and a write's version query) waits for. */
  r: number;
  /** A read that saw older copies sends them the newest it found, without waiting. */
  readRepair: boolean;
  /** A read makes the value it returns reach W replicas first (ABD). */
  writeBack: boolean;
  /** An operation without its quorum by then is answered NOQUORUM or UNKNOWN. */
  timeoutTicks: number;
  /** Prefixes this start's operation ids, unique across restarts (the shell's process start). */
  opPrefix: string;
}

export interface CoreStatus {
  keys: number;
  coordinating: number;
  reads: number;
  writes: number;
  repairs: number;
  writeBacks: number;
}
