// The elasticsearch system's `--opt` options: the test index's settings in Elasticsearch's own
// names, the write's wait_for_active_shards, how register reads are made, what the leader fault
// modes target, and the nodes' fault detection (cluster formation) intervals.

import { declareOptions, type OptionValues } from "../options.ts";

/** `--opt wait_for_active_shards=2` arrives as the number 2, which a choice takes as its text
 *  (clusters/options.ts). */
export const elasticsearchOptions = declareOptions("elasticsearch", {
  "index.number_of_replicas": {
    type: "integer",
    min: 0,
    default: 2,
    help: "replica copies of each shard of the test index (fewer than the nodes, or the index never goes green)",
  },
  "index.number_of_shards": {
    type: "integer",
    min: 1,
    default: 1,
    help: "primary shards of the test index",
  },
  wait_for_active_shards: {
    type: "choice",
    choices: ["1", "2", "3", "all"],
    default: "1",
    help: "copies that must be active before a write proceeds (Elasticsearch's default 1: the primary alone); a check before writing, not a quorum",
  },
  reads: {
    type: "choice",
    choices: ["get", "search"],
    default: "get",
    help: "register reads: get is the realtime GET of the document (from the translog, no refresh); search is a query, which sees only what the last refresh made visible",
  },
  leader: {
    type: "choice",
    choices: ["master", "primary"],
    default: "master",
    help: "what the leader fault modes target: the elected master, or the node holding most primary shards of the test index (the copy that takes the writes)",
  },
  "cluster.fault_detection.follower_check.interval": {
    type: "integer",
    min: 100,
    default: 1000,
    help: "milliseconds between the master's checks of each node (Elasticsearch's default 1s); with the retry count (3) it sets how soon a cut-off node is removed",
  },
  "cluster.fault_detection.leader_check.interval": {
    type: "integer",
    min: 100,
    default: 1000,
    help: "milliseconds between each node's checks of the master (default 1s); a node that fails 3 stops following it and looks for another",
  },
  "cluster.fault_detection.follower_check.timeout": {
    type: "integer",
    min: 100,
    default: 10_000,
    help: "milliseconds the master waits for a node's answer to a check (default 10s); under a partition that drops packets each check fails only by this timeout",
  },
  "cluster.fault_detection.leader_check.timeout": {
    type: "integer",
    min: 100,
    default: 10_000,
    help: "milliseconds a node waits for the master's answer to a check (default 10s); 3 checks in a row that time out make a cut-off node stop following the master",
  },
});

export type ElasticsearchOptions = OptionValues<typeof elasticsearchOptions.declared>;
