// A register with compare-and-set, initially nil: read, write v, cas [old new]. A cas that
// completed with fail never reaches the model (it did not happen); an indeterminate cas, if it
// took effect at all, took effect as a successful swap — a cas that found another value changed
// nothing, which is the same as never taking effect.

import { type CanonicalValue, canonicalValue, describeValue, hashValue } from "../hash.ts";
import { ILLEGAL, legal, type Model, ModelInputError } from "../model.ts";
import { partitionByKey } from "../partition.ts";
import { describeRegisterOperation, type RegisterInput, registerOperation } from "./register.ts";

export type CasRegisterInput = RegisterInput | { f: "cas"; from: CanonicalValue; to: CanonicalValue };

const EXPECTED = "it understands f read, write and cas (value [old new])";

export const casRegister: Model<CanonicalValue, CasRegisterInput, CanonicalValue> = {
  name: "cas-register",
  init: () => null,
  operation(invoke, completion) {
    if (invoke.f !== "cas") return registerOperation("cas-register", EXPECTED, invoke, completion);
    if (!Array.isArray(invoke.value) || invoke.value.length !== 2) throw new ModelInputError(invoke, "cas-register", `a cas value must be [old new]; ${EXPECTED}`);
    const [from, to] = invoke.value as unknown[];
    return { input: { f: "cas", from: canonicalValue(from), to: canonicalValue(to) }, output: undefined };
  },
  step(state, input, output) {
    switch (input.f) {
      case "write":
        return legal(input.value);
      case "cas":
        return state === input.from ? legal(input.to) : ILLEGAL;
      case "read":
        return output === state ? legal(state) : ILLEGAL;
    }
  },
  partition: partitionByKey,
  readOnly: (input) => input.f === "read",
  // Only a write or cas to the value read can make a read of another value legal.
  reachable: (state, read, output, before) =>
    read.f !== "read" || output === state || before.some((input) => (input.f === "write" && input.value === output) || (input.f === "cas" && input.to === output)),
  hash: hashValue,
  equal: (a, b) => a === b,
  describeOperation: (input, output) =>
    input.f === "cas" ? `cas ${describeValue(input.from)} → ${describeValue(input.to)}` : describeRegisterOperation(input, output),
  describeState: describeValue,
};
