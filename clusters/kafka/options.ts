// The kafka system's `--opt` options, in Kafka's own names (producer `acks`; topic configs
// `min.insync.replicas` and `unclean.leader.election.enable`; the topic's replication factor and
// partition count), plus which leader the `leader` fault modes target.

import { declareOptions, type OptionValues } from "../options.ts";

/** `--opt acks=1` arrives as the number 1, which a choice takes as its text (clusters/options.ts). */
export const kafkaOptions = declareOptions("kafka", {
  acks: {
    type: "choice",
    choices: ["all", "1", "0"],
    default: "all",
    help: "producer acks: all waits for every in-sync replica, 1 for the partition leader alone, 0 for nothing (every send is then recorded info: its outcome is unknown)",
  },
  "min.insync.replicas": {
    type: "integer",
    min: 1,
    default: 2,
    help: "topic config: with acks=all, a send is refused (NOT_ENOUGH_REPLICAS) unless this many replicas are in sync",
  },
  "unclean.leader.election.enable": {
    type: "boolean",
    default: false,
    help: "topic config: let a replica that is not in sync become leader when no in-sync one is left (trades acknowledged messages for availability)",
  },
  "replication.factor": {
    type: "integer",
    min: 1,
    default: 3,
    help: "replicas of each partition of the test topic (at most the number of nodes)",
  },
  partitions: {
    type: "integer",
    min: 1,
    default: 4,
    help: "partitions of the test topic; the queue workload spreads its sends over them",
  },
  leader: {
    type: "choice",
    choices: ["partition", "controller"],
    default: "partition",
    help: "what the leader fault modes target: the broker leading most of the topic's partitions, or the active KRaft controller",
  },
});

export type KafkaOptions = OptionValues<typeof kafkaOptions.declared>;

/** The producer's acks as the protocol takes them. */
export function acksNumber(acks: KafkaOptions["acks"]): -1 | 0 | 1 {
  return acks === "all" ? -1 : acks === "1" ? 1 : 0;
}
