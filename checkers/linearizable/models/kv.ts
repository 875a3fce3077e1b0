// A key-value store of strings (Porcupine's kv model; the fixtures in shared/fixtures/kv):
// get (output: the value, "" when the key is absent), put v, append v. The state is ONE key's
// string: partition() puts every key in its own sub-history, so the search never sees two keys.
//
// Nearly every step of a kv search makes a new state (an append), and the search hashes each one
// for its memo, so a state carries its FNV-1a hash, extended by each append over the appended
// characters only (FNV-1a is a running hash): hashing costs the value's length, not the whole
// string's. A state is also its own legal Step, so get and append allocate no result object.

import { FNV_OFFSET, hashString } from "../hash.ts";
import { ILLEGAL, type Model, ModelInputError } from "../model.ts";
import { partitionByKey } from "../partition.ts";

/** A put carries its value's hash, so stepping it hashes nothing; a get the hash of what it read,
 *  so most states it cannot have read are ruled out without comparing strings. */
export type KvInput = { f: "get"; hash: number } | { f: "put"; value: string; hash: number } | { f: "append"; value: string };

/** One key's value and its hash. Structured clones of it (from worker threads) lose the class
 *  but keep the fields, which is all the model reads. */
export class KvState {
  readonly ok = true;
  readonly state = this;
  constructor(
    readonly text: string,
    /** hashString(text), computed as the text grew. */
    readonly hash: number,
  ) {}
}

const EMPTY = new KvState("", FNV_OFFSET | 0);
const EXPECTED = "it understands f get, put and append with string values and a key";

export const kv: Model<KvState, KvInput, string> = {
  name: "kv",
  init: () => EMPTY,
  operation(invoke, completion) {
    if (invoke.f === "get") {
      if (completion === undefined) return null;
      // A missing key reads as nil in some clients and "" in others; both mean "nothing appended".
      const value = completion.value ?? "";
      if (typeof value !== "string") throw new ModelInputError(completion, "kv", EXPECTED);
      return { input: { f: "get", hash: hashString(value) }, output: value };
    }
    if (invoke.f === "put" && typeof invoke.value === "string") {
      return { input: { f: "put", value: invoke.value, hash: hashString(invoke.value) }, output: undefined };
    }
    if (invoke.f === "append" && typeof invoke.value === "string") return { input: { f: "append", value: invoke.value }, output: undefined };
    throw new ModelInputError(invoke, "kv", EXPECTED);
  },
  step(state, input, output) {
    switch (input.f) {
      case "get":
        return input.hash === state.hash && output === state.text ? state : ILLEGAL;
      case "put":
        return new KvState(input.value, input.hash);
      case "append":
        return new KvState(state.text + input.value, hashString(input.value, state.hash));
    }
  },
  partition: partitionByKey,
  readOnly: (input) => input.f === "get",
  // Appends only extend a value and a put replaces it: what a get can still see starts with the
  // value so far, or with a put that may run first.
  reachable(state, read, output, before) {
    if (read.f !== "get" || output === undefined || output.startsWith(state.text)) return true;
    for (const input of before) if (input.f === "put" && output.startsWith(input.value)) return true;
    return false;
  },
  hash: (state) => state.hash,
  equal: (a, b) => a.hash === b.hash && a.text === b.text,
  describeOperation(input, output) {
    if (input.f === "get") return output === undefined ? "get → ?" : `get → ${JSON.stringify(output)}`;
    return `${input.f} ${JSON.stringify(input.value)}`;
  },
  describeState: (state) => JSON.stringify(state.text),
};
