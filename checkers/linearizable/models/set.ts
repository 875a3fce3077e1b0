// A grow-only set, initially empty: add x, and read (or read-all) returning every element.
// The state is the sorted list of the elements' canonical forms, so equal sets compare equal.

import { type CanonicalValue, canonicalValue, combineHashes, describeValue, hashValue } from "../hash.ts";
import { ILLEGAL, legal, type Model, ModelInputError } from "../model.ts";
import { partitionByKey } from "../partition.ts";

type Elements = readonly CanonicalValue[];
export type SetInput = { f: "add"; element: CanonicalValue } | { f: "read" };

const READ: SetInput = { f: "read" };
const EXPECTED = "it understands f add (value: the element) and read or read-all (value: every element)";

export const set: Model<Elements, SetInput, Elements> = {
  name: "set",
  init: () => [],
  operation(invoke, completion) {
    if (invoke.f === "add") return { input: { f: "add", element: canonicalValue(invoke.value) }, output: undefined };
    if (invoke.f !== "read" && invoke.f !== "read-all") throw new ModelInputError(invoke, "set", EXPECTED);
    if (completion === undefined) return null;
    const value = completion.value ?? [];
    if (!Array.isArray(value)) throw new ModelInputError(completion, "set", EXPECTED);
    return { input: READ, output: sortedUnique(value.map(canonicalValue)) };
  },
  step(state, input, output) {
    if (input.f === "read") return output !== undefined && sameElements(state, output) ? legal(state) : ILLEGAL;
    const at = insertionPoint(state, input.element);
    if (at < state.length && state[at] === input.element) return legal(state);
    return legal([...state.slice(0, at), input.element, ...state.slice(at)]);
  },
  partition: partitionByKey,
  readOnly: (input) => input.f === "read",
  // Elements are only added: a read can still become legal only if it saw every element already
  // in, and the others are among the adds that may run first.
  reachable(state, read, output, before) {
    if (read.f !== "read" || output === undefined) return true;
    for (let i = 0, j = 0; i < state.length; i++) {
      while (j < output.length && compare(output[j], state[i]) < 0) j++;
      if (j === output.length || output[j] !== state[i]) return false;
    }
    if (output.length === state.length) return true;
    const added = new Set(before.map((input) => (input.f === "add" ? input.element : undefined)));
    const present = new Set(state);
    for (const element of output) if (!present.has(element) && !added.has(element)) return false;
    return true;
  },
  hash: (state) => state.reduce<number>((hash, element) => combineHashes(hash, hashValue(element)), 0x3c6ef372),
  equal: sameElements,
  describeOperation(input, output) {
    if (input.f === "add") return `add ${describeValue(input.element)}`;
    return output === undefined ? "read → ?" : `read → ${describeElements(output)}`;
  },
  describeState: describeElements,
};

/** A total order over canonical values: by type, then by value. */
function compare(a: CanonicalValue, b: CanonicalValue): number {
  const ta = rank(a);
  const tb = rank(b);
  if (ta !== tb) return ta - tb;
  return (a as number | string) < (b as number | string) ? -1 : (a as number | string) > (b as number | string) ? 1 : 0;
}

function rank(value: CanonicalValue): number {
  return value === null ? 0 : typeof value === "boolean" ? 1 : typeof value === "number" ? 2 : 3;
}

function insertionPoint(elements: Elements, element: CanonicalValue): number {
  let low = 0;
  let high = elements.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compare(elements[middle], element) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

function sortedUnique(values: CanonicalValue[]): Elements {
  const sorted = values.sort(compare);
  return sorted.filter((value, i) => i === 0 || compare(sorted[i - 1], value) !== 0);
}

function sameElements(a: Elements, b: Elements): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function describeElements(elements: Elements): string {
  return `#{${elements.map(describeValue).join(" ")}}`;
}
