// Elle's rw-register workload: [w k v] → SET, [r k nil] → GET (null when never written), every
// transaction one MULTI … EXEC.

import type { PlannerSetup, RaftPlanner } from "./raft-client.ts";
import { ElleTxnPlanner, type MicroOpCommands } from "./elle-txn.ts";
import { storedValue } from "./values.ts";

const rwRegister: MicroOpCommands = {
  workload: "rw-register",
  writeF: "w",
  write: (transaction, key, value) => transaction.set(key, String(value)),
  read: (transaction, key) => transaction.get(key),
  readValue: (reply) => (typeof reply === "string" ? storedValue(reply) : reply),
};

export function rwRegisterPlanner({ namespace }: PlannerSetup): RaftPlanner {
  return new ElleTxnPlanner(rwRegister, namespace);
}
