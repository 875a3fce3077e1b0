// How each workload's ops become commands on our Raft nodes: one planner per workload, in one
// record (the raft system's clients are built from it; raft-client.ts runs any of them).

import { bankPlanner } from "./bank.ts";
import { counterPlanner } from "./counter.ts";
import { listAppendPlanner } from "./list-append.ts";
import { lockPlanner } from "./lock.ts";
import { queuePlanner } from "./queue.ts";
import type { PlannerSetup, RaftPlanner } from "./raft-client.ts";
import { registerPlanner } from "./register.ts";
import { rwRegisterPlanner } from "./rw-register.ts";
import { setPlanner } from "./set.ts";
import { uniqueIdsPlanner } from "./unique-ids.ts";

export const raftPlanners: Readonly<Record<string, (setup: PlannerSetup) => RaftPlanner>> = {
  register: registerPlanner,
  "list-append": listAppendPlanner,
  "rw-register": rwRegisterPlanner,
  set: setPlanner,
  counter: counterPlanner,
  bank: bankPlanner,
  queue: queuePlanner,
  lock: lockPlanner,
  "unique-ids": uniqueIdsPlanner,
};
