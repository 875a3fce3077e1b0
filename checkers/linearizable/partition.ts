// P-compositionality (Herlihy & Wing): a history over independent objects is linearizable iff
// each object's sub-history is. Splitting per key turns one exponential search into many small
// ones, which is what makes multi-key histories checkable at all.

import type { ModelOperation } from "./model.ts";

/** One sub-history per distinct key, in order of first appearance; ops without a key form one
 *  sub-history of their own. */
export function partitionByKey<Input, Output>(
  operations: readonly ModelOperation<Input, Output>[],
): ModelOperation<Input, Output>[][] {
  const groups = new Map<string | number | undefined, ModelOperation<Input, Output>[]>();
  for (const operation of operations) {
    let group = groups.get(operation.key);
    if (group === undefined) {
      group = [];
      groups.set(operation.key, group);
    }
    group.push(operation);
  }
  return [...groups.values()];
}
