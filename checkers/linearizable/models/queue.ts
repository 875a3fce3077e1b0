// A FIFO queue, initially empty: enqueue x, dequeue → x. An ok dequeue with a nil value saw an
// empty queue. An indeterminate dequeue, if it took effect, removed whatever was at the head.

import { type CanonicalValue, canonicalValue, combineHashes, describeValue, hashValue } from "../hash.ts";
import { ILLEGAL, legal, type Model, ModelInputError } from "../model.ts";
import { partitionByKey } from "../partition.ts";

type Items = readonly CanonicalValue[];
export type QueueInput = { f: "enqueue"; item: CanonicalValue } | { f: "dequeue" };

const DEQUEUE: QueueInput = { f: "dequeue" };
const EXPECTED = "it understands f enqueue (value: the item) and dequeue (value: the item taken, nil when empty)";

export const queue: Model<Items, QueueInput, CanonicalValue> = {
  name: "queue",
  init: () => [],
  operation(invoke, completion) {
    if (invoke.f === "enqueue") return { input: { f: "enqueue", item: canonicalValue(invoke.value) }, output: undefined };
    if (invoke.f === "dequeue") return { input: DEQUEUE, output: completion === undefined ? undefined : canonicalValue(completion.value) };
    throw new ModelInputError(invoke, "queue", EXPECTED);
  },
  step(state, input, output) {
    if (input.f === "enqueue") return legal([...state, input.item]);
    if (output === undefined) return legal(state.length === 0 ? state : state.slice(1));
    if (output === null) return state.length === 0 ? legal(state) : ILLEGAL;
    return state.length > 0 && state[0] === output ? legal(state.slice(1)) : ILLEGAL;
  },
  partition: partitionByKey,
  hash: (state) => state.reduce<number>((hash, item) => combineHashes(hash, hashValue(item)), 0x1f83d9ab),
  equal(a, b) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  },
  describeOperation(input, output) {
    if (input.f === "enqueue") return `enqueue ${describeValue(input.item)}`;
    if (output === undefined) return "dequeue → ?";
    return output === null ? "dequeue → empty" : `dequeue → ${describeValue(output)}`;
  },
  describeState: (state) => `[${state.map(describeValue).join(" ")}]`,
};
