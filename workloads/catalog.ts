// Every workload a test spec or `faultline check` may name. Adding a workload is one file in
// workloads/ plus one line here. Apart from the systems' registry (harness/run/registry.ts), so
// that judging a history loads the workloads and their checkers, not every system's client library.

import { bankWorkload } from "./bank.ts";
import { counterWorkload } from "./counter.ts";
import { listAppendWorkload } from "./list-append.ts";
import { lockWorkload } from "./lock.ts";
import { queueWorkload } from "./queue.ts";
import { registerWorkload } from "./register.ts";
import { rwRegisterWorkload } from "./rw-register.ts";
import { setWorkload } from "./set.ts";
import { uniqueIdsWorkload } from "./unique-ids.ts";
import type { Workload } from "./workload.ts";

export const workloads: Record<string, Workload> = Object.fromEntries(
  [registerWorkload, listAppendWorkload, rwRegisterWorkload, setWorkload, counterWorkload, bankWorkload, queueWorkload, lockWorkload, uniqueIdsWorkload].map((workload) => [workload.name, workload]),
);
