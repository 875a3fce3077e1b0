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
  model?: "linearizable" | "sequential" | "strict-serializable" | "serializable" | "snapshot-isolation" | "read-committed" | "eventual";
  cap: "CP" | "AP";
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
