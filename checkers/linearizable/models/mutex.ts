// A lock, initially free: acquire succeeds only when free, release only when held. As in
// Knossos's mutex model the owner is not tracked — a process that gets info is retired and
// replaced, so ownership by process id cannot be followed across an indeterminate acquire.
// States are the integers 0 (free) and 1 (held).

import { hashNumber } from "../hash.ts";
import { ILLEGAL, legal, type Model, ModelInputError } from "../model.ts";
import { partitionByKey } from "../partition.ts";

const FREE = 0;
const HELD = 1;
type LockState = typeof FREE | typeof HELD;
export type MutexInput = "acquire" | "release";

const TO_HELD = legal<LockState>(HELD);
const TO_FREE = legal<LockState>(FREE);

export const mutex: Model<LockState, MutexInput, never> = {
  name: "mutex",
  init: () => FREE,
  operation(invoke) {
    if (invoke.f === "acquire" || invoke.f === "release") return { input: invoke.f, output: undefined };
    throw new ModelInputError(invoke, "mutex", "it understands f acquire and release");
  },
  step(state, input) {
    if (input === "acquire") return state === FREE ? TO_HELD : ILLEGAL;
    return state === HELD ? TO_FREE : ILLEGAL;
  },
  partition: partitionByKey,
  hash: hashNumber,
  equal: (a, b) => a === b,
  describeOperation: (input) => input,
  describeState: (state) => (state === HELD ? "held" : "free"),
};
