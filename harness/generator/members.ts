// Immutable edits on a combinator's list of member generators; each returns the same array when
// nothing changed, so an idle combinator costs no allocation per op.

import type { Op } from "../op.ts";
import type { GenContext, Generator } from "./generator.ts";

export function updateAll(members: readonly Generator[], ctx: GenContext, event: Op): readonly Generator[] {
  let out: Generator[] | undefined;
  for (let i = 0; i < members.length; i++) {
    const updated = members[i].update(ctx, event);
    if (updated !== members[i]) {
      out ??= members.slice();
      out[i] = updated;
    }
  }
  return out ?? members;
}

export function without<T>(items: readonly T[], index: number): readonly T[] {
  return items.slice(0, index).concat(items.slice(index + 1));
}

export function replace<T>(items: readonly T[], index: number, item: T): readonly T[] {
  if (items[index] === item) return items;
  const out = items.slice();
  out[index] = item;
  return out;
}
