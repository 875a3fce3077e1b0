// The elasticsearch system's `--opt` options: the test index's settings in Elasticsearch's own
// names, the write's wait_for_active_shards, how register reads are made, and the nodes' fault
// detection (cluster formation) intervals.

import { declareOptions, type OptionValues, type SystemOptions } from "../options.ts";

const declared = declareOptions("elasticsearch", {
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
});

export type ElasticsearchOptions = OptionValues<typeof declared.declared>;

/** As declared; numeric-looking text arrives as a number (`--opt wait_for_active_shards=2`), read
 *  back as the text the choice names. */
export const elasticsearchOptions: SystemOptions<typeof declared.declared> = {
  ...declared,
  parse: (raw) => declared.parse(typeof raw.wait_for_active_shards === "number" ? { ...raw, wait_for_active_shards: String(raw.wait_for_active_shards) } : raw),
};
