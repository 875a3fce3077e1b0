// Elle's list-append workload: [append k v] → RPUSH, [r k nil] → LRANGE k 0 -1 (the whole list;
// an absent key reads as the empty list), every transaction one MULTI … EXEC.

import type { PlannerSetup, RaftPlanner } from "./raft-client.ts";
import { ElleTxnPlanner, type MicroOpCommands } from "./elle-txn.ts";
import { storedList } from "./values.ts";

const listAppend: MicroOpCommands = {
  workload: "list-append",
  writeF: "append",
  write: (transaction, key, value) => transaction.rpush(key, String(value)),
  read: (transaction, key) => transaction.lrange(key, 0, -1),
  readValue: storedList,
};

export function listAppendPlanner({ namespace }: PlannerSetup): RaftPlanner {
  return new ElleTxnPlanner(listAppend, namespace);
}
