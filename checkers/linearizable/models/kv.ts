// A key-value store of strings (Porcupine's kv model; the fixtures in shared/fixtures/kv):
// get (output: the value, "" when the key is absent), put v, append v. The state is ONE key's
// string: partition() puts every key in its own sub-history, so the search never sees two keys.

import { hashString } from "../hash.ts";
import { ILLEGAL, legal, type Model, ModelInputError } from "../model.ts";
import { partitionByKey } from "../partition.ts";

export type KvInput = { f: "get" } | { f: "put" | "append"; value: string };

const GET: KvInput = { f: "get" };
const EXPECTED = "it understands f get, put and append with string values and a key";

export const kv: Model<string, KvInput, string> = {
  name: "kv",
  init: () => "",
  operation(invoke, completion) {
    if (invoke.f === "get") {
      if (completion === undefined) return null;
      // A missing key reads as nil in some clients and "" in others; both mean "nothing appended".
      const value = completion.value ?? "";
      if (typeof value !== "string") throw new ModelInputError(completion, "kv", EXPECTED);
      return { input: GET, output: value };
    }
    if ((invoke.f === "put" || invoke.f === "append") && typeof invoke.value === "string") {
      return { input: { f: invoke.f, value: invoke.value }, output: undefined };
    }
    throw new ModelInputError(invoke, "kv", EXPECTED);
  },
  step(state, input, output) {
    switch (input.f) {
      case "get":
        return output === state ? legal(state) : ILLEGAL;
      case "put":
        return legal(input.value);
      case "append":
        return legal(state + input.value);
    }
  },
  partition: partitionByKey,
  hash: hashString,
  equal: (a, b) => a === b,
  describeOperation(input, output) {
    if (input.f === "get") return output === undefined ? "get → ?" : `get → ${JSON.stringify(output)}`;
    return `${input.f} ${JSON.stringify(input.value)}`;
  },
  describeState: (state) => JSON.stringify(state),
};
