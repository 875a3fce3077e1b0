// Which workloads our Raft nodes have clients for, and how each is opened.

import type { Client } from "../../../harness/interpreter/client.ts";
import { openBankClient } from "./bank.ts";
import { counterClient } from "./counter.ts";
import { listAppendClient } from "./list-append.ts";
import { lockClient } from "./lock.ts";
import { queueClient } from "./queue.ts";
import type { ClientSetup } from "./raft-client.ts";
import { registerClient } from "./register.ts";
import { rwRegisterClient } from "./rw-register.ts";
import { setClient } from "./set.ts";
import { uniqueIdsClient } from "./unique-ids.ts";

export type OpenClient = (setup: ClientSetup) => Client | Promise<Client>;

export const RAFT_CLIENTS: Readonly<Record<string, OpenClient>> = {
  register: registerClient,
  "list-append": listAppendClient,
  "rw-register": rwRegisterClient,
  set: setClient,
  counter: counterClient,
  bank: openBankClient,
  queue: queueClient,
  lock: lockClient,
  "unique-ids": uniqueIdsClient,
};
