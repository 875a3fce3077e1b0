// A runtime creates nodes and controls their processes and the network between them (DESIGN §3).
// Systems ask it to start their servers; nemeses ask it to break things; it always heals.

import type { Grudge } from "../../harness/grudge.ts";

/** How to start one server process on a node. */
export interface ProcessSpec {
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** Where one node can be reached. */
export interface NodeInfo {
  name: string;
  /** Address clients (and the harness) use. */
  host: string;
  clientPort: number;
  /** Port the node's server listens on for peer traffic. */
  peerPort: number;
  /** Directory for this node's data and logs (the runtime collects logs into the store). */
  dataDir: string;
  /** Further ports reserved for this node's servers, for products that listen on more than a
   *  client and a peer port (ZooKeeper's leader-election port). Given by runtimes whose nodes
   *  share one address (local); absent where every node has its own address (docker), where a
   *  system uses its product's well-known ports instead. */
  extraPorts?: readonly number[];
}

/** node → the nodes it cannot hear (Jepsen's grudge). Links not named are healthy. */
export type { Grudge };

/** Per-link message faults; fractions are probabilities per frame. */
export interface LinkFaults {
  dropFraction?: number;
  delayMs?: number;
  jitterMs?: number;
  duplicateFraction?: number;
  /** Probability that a frame is held back and delivered after the next one. */
  reorderFraction?: number;
}

/** What one directed link carried, counted on the traffic itself where the runtime makes its
 *  faults (the local fault proxy's frame counters; the docker firewall's packet counters), since the
 *  runtime was created. A nemesis reports the difference between two readings as what a fault
 *  really did, never what it asked for. */
export interface LinkCounters {
  from: string;
  to: string;
  /** "frames": whole peer messages (local proxy); "packets": IP packets (iptables, where TCP
   *  retransmits what was dropped, so messages arrive late rather than never). */
  unit: "frames" | "packets";
  /** Messages that reached the fault point of this link (counted on docker only while the link
   *  has a loss rule). */
  received: number;
  /** Dropped by a link fault (partitions not counted). */
  droppedByFault: number;
  /** Sent twice. */
  duplicated: number;
  /** Held back so that a later one overtook it. */
  heldBack: number;
  /** Delivered after a delay, and the delays' sum and maximum in milliseconds. */
  delayed: number;
  delayMsTotal: number;
  delayMsMax: number;
}

/** The LinkFaults fields each runtime can make (Runtime.linkFaultFields), known before one exists. */
export const LINK_FAULT_FIELDS: Readonly<Record<"local" | "docker", readonly (keyof LinkFaults)[]>> = {
  local: ["dropFraction", "delayMs", "jitterMs", "duplicateFraction", "reorderFraction"],
  docker: ["dropFraction"],
};

export type NodeState = "stopped" | "running" | "paused";

export interface Runtime {
  readonly kind: "local" | "docker";
  nodes(): readonly NodeInfo[];
  node(name: string): NodeInfo;
  /** Address node `from` must dial to reach node `to`'s peer port (through the fault proxy, locally). */
  peerAddress(from: string, to: string): { host: string; port: number };

  /** Starts the node's server; the spec is remembered for restart(). */
  start(node: string, spec: ProcessSpec): Promise<void>;
  /** Starts the node again with its last spec (after kill or stop). */
  restart(node: string): Promise<void>;
  /** SIGKILL (default) or another signal to the server process; resolves once it has exited. */
  kill(node: string, signal?: NodeJS.Signals): Promise<void>;
  /** SIGSTOP / SIGCONT to the server process. */
  pause(node: string): Promise<void>;
  resume(node: string): Promise<void>;
  state(node: string): NodeState;
  /** Runs a command on the node (a shell on the host for local, `docker exec` for docker). */
  exec(node: string, command: string, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;

  /** Replaces the current partition (an empty grudge lifts it); link faults stay. */
  partition(grudge: Grudge): Promise<void>;
  /** Applies message faults to the given directed links (default: every link), replacing theirs;
   *  partitions stay. Throws for a field the runtime cannot make (see linkFaultFields). */
  setLinkFaults(faults: LinkFaults, links?: { from: string; to: string }[]): Promise<void>;
  /** The LinkFaults fields setLinkFaults can make here: all of them through the local proxy, only
   *  dropFraction with iptables (this kernel has no netem). */
  readonly linkFaultFields: readonly (keyof LinkFaults)[];
  /** Every directed link's counters as observed on its traffic (see LinkCounters). */
  linkCounters(): Promise<LinkCounters[]>;
  /** Removes every partition and link fault; idempotent. */
  heal(): Promise<void>;

  /** The last `lines` lines its server wrote to stderr, for errors about a server that died
   *  (where a runtime keeps one log for both streams, the last lines of that). */
  stderrTail(node: string, lines: number): Promise<string>;
  /** Copies each node's logs into `<dir>/<node>/`. */
  collectLogs(dir: string): Promise<void>;
  /** Stops every process and relay (or container and network) this runtime created; idempotent. */
  teardown(): Promise<void>;
}
