// The etcd system's `--opt` options.

import { declareOptions, type OptionValues } from "../options.ts";

export const etcdOptions = declareOptions("etcd", {
  reads: {
    type: "choice",
    choices: ["linearizable", "serializable"],
    default: "linearizable",
    // etcd's own words for a Range request's consistency (etcdctl get --consistency=l|s).
    help: "linearizable: reads go through the leader's read index; serializable: the member answers from its own state, which may be stale",
  },
});

export type EtcdOptions = OptionValues<typeof etcdOptions.declared>;
