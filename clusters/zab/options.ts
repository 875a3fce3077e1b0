// Our ZAB ensemble's `--opt` options: `sync` as for real ZooKeeper (clusters/zookeeper/options.ts),
// the others become the server's command-line flag of the same meaning (args.ts), with ZooKeeper's
// names where ZooKeeper has one (syncLimit, initLimit, snapCount, tickTime).

import { declareOptions } from "../options.ts";

export const zabOptions = declareOptions("zab", {
  sync: {
    type: "boolean",
    default: false,
    help: "precede every read with sync(path), so a follower catches up with the leader first; off, follower reads may be stale",
  },
  storage: {
    type: "choice",
    choices: ["fsync", "power-loss"],
    default: "fsync",
    help: "fsync: proposals are on disk before they are acknowledged; power-loss: a killed server loses what it had not fsynced, as after a power cut",
  },
  fsyncIn: {
    type: "choice",
    choices: ["pool", "event-loop"],
    default: "pool",
    help: "where a server's log fsync runs: pool (libuv's threads; the server keeps serving meanwhile) or event-loop (blocks it, and takes what arrived meanwhile as one larger group: better on a machine loaded by other work)",
  },
  tickTime: { type: "integer", min: 1, default: 10, help: "milliseconds per tick of the servers' ZAB clock" },
  syncLimit: { type: "integer", min: 2, default: 20, help: "ticks after which a follower gives up on a silent leader, and a leader on a quorum it cannot hear" },
  initLimit: { type: "integer", min: 1, default: 50, help: "ticks discovery and synchronisation may take" },
  snapCount: { type: "integer", min: 2, default: 10_000, help: "a server snapshots after a random count of txns in [snapCount/2, snapCount]" },
});


/** Option → the server's flag. */
export const ZAB_OPTION_FLAGS: Readonly<Record<"storage" | "fsyncIn" | "tickTime" | "syncLimit" | "initLimit" | "snapCount", string>> = {
  storage: "--storage",
  fsyncIn: "--fsync-in",
  tickTime: "--tick-ms",
  syncLimit: "--sync-limit-ticks",
  initLimit: "--init-limit-ticks",
  snapCount: "--snap-count",
};
