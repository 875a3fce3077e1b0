// The ZooKeeper system's `--opt` options.

import { declareOptions } from "../options.ts";

export const zooKeeperOptions = declareOptions("zookeeper", {
  sync: {
    type: "boolean",
    default: false,
    help: "precede every read with sync(path), so a follower catches up with the leader first; off, follower reads may be stale",
  },
});

