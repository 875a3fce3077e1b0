// Our Raft node's `--opt` options: each becomes the node's command-line flag of the same meaning
// (args.ts), with the node's own defaults.

import { declareOptions } from "../options.ts";

export const raftOptions = declareOptions("raft", {
  storage: {
    type: "choice",
    choices: ["fsync", "power-loss"],
    default: "fsync",
    help: "fsync: entries are on disk before they count; power-loss: a killed node loses what it had not fsynced, as after a power cut",
  },
  tickMs: { type: "integer", min: 1, default: 10, help: "milliseconds per tick of the node's Raft clock" },
  electionTicks: { type: "integer", min: 1, default: 10, help: "ticks without a leader before a follower campaigns (drawn from [n, 2n) per term)" },
  heartbeatTicks: { type: "integer", min: 1, default: 1, help: "ticks between the leader's heartbeats; must be below electionTicks" },
  snapshotEvery: { type: "integer", min: 1, default: 10_000, help: "applied entries between a node's snapshots" },
  requestTimeoutMs: { type: "integer", min: 1, default: 10_000, help: "how long a write waits to commit (then UNKNOWN) and a read to be served (then ABORTED)" },
  maxEntriesPerMessage: { type: "integer", min: 1, default: 64, help: "most entries one append carries (etcd's MaxSizePerMsg, counted in entries); 1 sends a lagging follower an earlier term's entries apart from the leader's own" },
  maxInflight: { type: "integer", min: 1, default: 64, help: "most appends in flight to one follower (etcd's MaxInflightMsgs); with maxEntriesPerMessage=1, 1 makes a leader send its next entry only once the follower acknowledged the last, so the moment a commit moves is the moment the next entry leaves" },
});

/** Option → the node's flag. */
export const RAFT_OPTION_FLAGS: Readonly<Record<Exclude<keyof typeof raftOptions.declared, "storage">, string>> = {
  tickMs: "--tick-ms",
  electionTicks: "--election-ticks",
  heartbeatTicks: "--heartbeat-ticks",
  snapshotEvery: "--snapshot-every",
  requestTimeoutMs: "--request-timeout-ms",
  maxEntriesPerMessage: "--max-entries-per-message",
  maxInflight: "--max-inflight",
};
