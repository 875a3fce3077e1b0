// The etcd system's test-spec options (spec.options), checked once so that a typo fails the run
// before any server starts.

export type ReadMode = "linearizable" | "serializable";

export interface EtcdOptions {
  /** linearizable: reads go through the leader's read index. serializable: the member answers from
   *  its own state, which an isolated or lagging member may serve stale. */
  reads: ReadMode;
}

const READ_MODES: readonly ReadMode[] = ["linearizable", "serializable"];

export function etcdOptions(options: Record<string, unknown>): EtcdOptions {
  const reads = options.reads ?? "linearizable";
  if (typeof reads !== "string" || !(READ_MODES as readonly string[]).includes(reads)) {
    throw new Error(`etcd: option reads must be one of ${READ_MODES.join(", ")}, got ${JSON.stringify(reads)}; pass e.g. --opt reads=serializable`);
  }
  return { reads: reads as ReadMode };
}
