// Names a dependency cycle the way Elle does, from the edges it is made of:
//   no rw edge:  G0 if every step is ww, else G1c (some wr);
//   one rw edge: G-single;
//   several:     G-nonadjacent if no two rw steps are adjacent (cyclically), else G2-item;
// plus "-process" when it needs a process-order step and "-realtime" when it needs a real-time
// step. Our transactions touch single keys only, so these are Elle's item anomalies (G-single is
// G-single-item in Elle's newest naming): no predicates, hence G2-item rather than G2.

import { ANY_RW, ANY_WW, PROCESS_KINDS, REALTIME_KINDS, WR, preferredKind } from "./edges.ts";

export const CYCLE_FAMILIES = ["G0", "G1c", "G-single", "G-nonadjacent", "G2-item"] as const;
export const CYCLE_VARIANTS = ["", "-process", "-realtime"] as const;
export type CycleFamily = (typeof CYCLE_FAMILIES)[number];
export type CycleVariant = (typeof CYCLE_VARIANTS)[number];

/** Every cycle anomaly type, in the order we search for them: data-only first, then those needing
 *  process order, then real time; within each, most severe first (Elle's order). */
export const CYCLE_TYPES: readonly string[] = CYCLE_VARIANTS.flatMap((variant) => CYCLE_FAMILIES.map((family) => family + variant));

export interface Classification {
  type: string;
  /** The one kind each step is shown as. */
  kinds: number[];
}

/** `stepMasks[i]` holds the kinds step i may be read as (the search already restricted it to
 *  what its path used); each step is shown as its preferred kind. */
export function classifyCycle(stepMasks: readonly number[]): Classification {
  const kinds = stepMasks.map(preferredKind);
  let rw = 0;
  let wr = 0;
  let ww = 0;
  let process = false;
  let realtime = false;
  let adjacent = false;
  for (let i = 0; i < kinds.length; i++) {
    const kind = kinds[i];
    if ((kind & ANY_RW) !== 0) {
      rw++;
      if ((kinds[(i + 1) % kinds.length] & ANY_RW) !== 0) adjacent = true;
    }
    if (kind === WR) wr++;
    if ((kind & ANY_WW) !== 0) ww++;
    if ((kind & PROCESS_KINDS) !== 0) process = true;
    if ((kind & REALTIME_KINDS) !== 0) realtime = true;
  }
  let family: CycleFamily;
  if (rw === 1) family = "G-single";
  else if (rw > 1) family = adjacent ? "G2-item" : "G-nonadjacent";
  else if (wr > 0) family = "G1c";
  else if (ww > 0) family = "G0";
  // Process and real-time orders are acyclic on their own; a cycle of only those is a bug here.
  else throw new Error(`cycle of order edges only cannot exist: ${kinds.join(",")}`);
  const variant: CycleVariant = realtime ? "-realtime" : process ? "-process" : "";
  return { type: family + variant, kinds };
}
