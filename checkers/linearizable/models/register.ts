// A read/write register, initially nil. Per key: partition() gives each key its own register.

import type { Op } from "../../../harness/op.ts";
import { type CanonicalValue, canonicalValue, describeValue, hashValue } from "../hash.ts";
import { ILLEGAL, legal, type Model, ModelInputError } from "../model.ts";
import { partitionByKey } from "../partition.ts";

export type RegisterInput = { f: "read" } | { f: "write"; value: CanonicalValue };

const READ: RegisterInput = { f: "read" };

/** Reads, writes and the parts cas-register shares with it. */
export function registerOperation(
  model: string,
  expected: string,
  invoke: Op,
  completion: Op | undefined,
): { input: RegisterInput; output: CanonicalValue | undefined } | null {
  if (invoke.f === "read") return completion === undefined ? null : { input: READ, output: canonicalValue(completion.value) };
  if (invoke.f === "write") return { input: { f: "write", value: canonicalValue(invoke.value) }, output: undefined };
  throw new ModelInputError(invoke, model, expected);
}

export function describeRegisterOperation(input: RegisterInput, output: CanonicalValue | undefined): string {
  if (input.f === "read") return output === undefined ? "read → ?" : `read → ${describeValue(output)}`;
  return `write ${describeValue(input.value)}`;
}

export const register: Model<CanonicalValue, RegisterInput, CanonicalValue> = {
  name: "register",
  init: () => null,
  operation: (invoke, completion) =>
    registerOperation("register", "it understands f read (value: what was read) and write (value: what to write)", invoke, completion),
  step(state, input, output) {
    if (input.f === "write") return legal(input.value);
    return output === state ? legal(state) : ILLEGAL;
  },
  partition: partitionByKey,
  readOnly: (input) => input.f === "read",
  // Only a write of the value read can make a read of another value legal.
  reachable: (state, read, output, before) => read.f !== "read" || output === state || before.some((input) => input.f === "write" && input.value === output),
  hash: hashValue,
  equal: (a, b) => a === b,
  describeOperation: describeRegisterOperation,
  describeState: describeValue,
};
