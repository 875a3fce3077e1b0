// Elle's rw-register workload: [w k v] → SET, [r k nil] → GET (null when never written), every
// transaction one MULTI … EXEC.

import { RaftClient, type ClientSetup } from "./raft-client.ts";
import { ElleTxnPlanner, type MicroOpCommands } from "./elle-txn.ts";
import { storedValue } from "./values.ts";

const rwRegister: MicroOpCommands = {
  workload: "rw-register",
  writeF: "w",
  write: (transaction, key, value) => transaction.set(key, String(value)),
  read: (transaction, key) => transaction.get(key),
  readValue: (reply) => (typeof reply === "string" ? storedValue(reply) : reply),
};

export function rwRegisterClient(setup: ClientSetup): RaftClient {
  return new RaftClient(setup, new ElleTxnPlanner(rwRegister, setup.namespace ?? "rw-register"));
}
