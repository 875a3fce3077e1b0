// The ZooKeeper system's test-spec options (spec.options). Values come as strings from
// --opt name=value or as booleans from a YAML spec; both are accepted.

export interface ZooKeeperOptions {
  /** Precede every read with sync(path), so a follower catches up with the leader first. Off,
   *  reads are served from the follower's state and may be stale (SEEDS C3). */
  sync: boolean;
}

export function zooKeeperOptions(options: Record<string, unknown>): ZooKeeperOptions {
  const raw = options.sync ?? false;
  if (raw === true || raw === "true") return { sync: true };
  if (raw === false || raw === "false") return { sync: false };
  throw new Error(`zookeeper: option sync must be true or false, got ${JSON.stringify(raw)}; pass e.g. --opt sync=true`);
}
