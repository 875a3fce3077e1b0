// Adapts a Model to the search's deterministic interface. A nondeterministic model (step returns
// every possible next state) is searched over *sets* of states, as Porcupine's
// NondeterministicModel does: an op is legal if some current state allows it, and leads to the
// set of all states it may produce. That keeps the search itself deterministic and its cache exact.
// A read narrows such a set to the states that allow it, so over sets no op is read-only, and
// rules 4 and 5 of the search (which rest on reads) stay off.

import { ILLEGAL, legal, type Model, type Step } from "./model.ts";
import type { SearchModel } from "./wgl.ts";

/** The search treats states as opaque values, so both shapes (State, or sets of State) are
 *  handed to it under one erased state type. */
export function searchModelFor<State, Input, Output>(model: Model<State, Input, Output>): SearchModel<unknown, Input, Output> {
  return (model.nondeterministic ? powerSetModel(model) : deterministicModel(model)) as SearchModel<unknown, Input, Output>;
}

function deterministicModel<State, Input, Output>(model: Model<State, Input, Output>): SearchModel<State, Input, Output> {
  return {
    init: () => model.init(),
    step(state, input, output): Step<State> {
      const result = model.step(state, input, output);
      if (Array.isArray(result)) {
        throw new Error(`model ${model.name} returned a list of states but does not declare nondeterministic: true`);
      }
      return result as Step<State>;
    },
    hash: (state) => model.hash(state),
    equal: (a, b) => model.equal(a, b),
    readOnly: model.readOnly?.bind(model),
    reachable: model.reachable?.bind(model),
  };
}

export function powerSetModel<State, Input, Output>(
  model: Model<State, Input, Output>,
): SearchModel<readonly State[], Input, Output> {
  const contains = (states: readonly State[], candidate: State): boolean => states.some((s) => model.equal(s, candidate));
  return {
    init: () => [model.init()],
    step(states, input, output) {
      const after: State[] = [];
      for (const state of states) {
        const result = model.step(state, input, output);
        const options: readonly State[] = Array.isArray(result) ? result : (result as Step<State>).ok ? [(result as { state: State }).state] : [];
        for (const option of options) if (!contains(after, option)) after.push(option);
      }
      return after.length > 0 ? legal<readonly State[]>(after) : ILLEGAL;
    },
    // Sets of states are unordered and duplicate-free, so XOR of member hashes agrees with equal.
    hash: (states) => states.reduce((hash, state) => hash ^ Math.imul(model.hash(state), 0x2c1b3c6d), 0x165667b1),
    equal: (a, b) => a.length === b.length && a.every((state) => contains(b, state)),
  };
}
