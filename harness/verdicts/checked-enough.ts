// VALID means "checked and held", never "nothing contradicted it because nothing was looked at".
// Jepsen's stats rule, adopted: a history in which some kind of client operation never once
// completed ok cannot be valid — a checker can only vouch for what happened, and a register whose
// writes all failed, or a set whose reads all timed out, shows nothing. Such a run is unknown, with
// the reason named; a checker's false (a proven violation) stands whatever else happened.

import type { Validity } from "../../checkers/checker.ts";
import { pairOps } from "../history/pairs.ts";
import { isClientProcess, type Op } from "../op.ts";

export interface CheckedEnough {
  valid: Validity;
  /** Why a checker's true became unknown; empty when it stood. */
  unknownBecause: string[];
}

/** Client operations by f: how many were attempted and how many completed ok. */
function okCounts(history: readonly Op[]): Map<string, { attempted: number; ok: number }> {
  const counts = new Map<string, { attempted: number; ok: number }>();
  for (const { invoke, completion } of pairOps(history)) {
    if (!isClientProcess(invoke.process)) continue;
    let count = counts.get(invoke.f);
    if (!count) counts.set(invoke.f, (count = { attempted: 0, ok: 0 }));
    count.attempted++;
    if (completion?.type === "ok") count.ok++;
  }
  return counts;
}

export function checkedEnough(checkerValid: Validity, history: readonly Op[]): CheckedEnough {
  if (checkerValid === false) return { valid: false, unknownBecause: [] };
  const counts = okCounts(history);
  const because: string[] = [];
  if (counts.size === 0) {
    because.push("the history holds no client operation: nothing was checked");
  } else if ([...counts.values()].every((count) => count.ok === 0)) {
    because.push(`no ${[...counts.keys()].join(" or ")} completed ok: nothing was checked`);
  } else {
    for (const [f, count] of counts) {
      if (count.ok === 0) because.push(`no ${f} completed ok (${count.attempted} attempted), so the checker could not judge any`);
    }
  }
  if (because.length === 0) return { valid: checkerValid, unknownBecause: [] };
  return { valid: "unknown", unknownBecause: because };
}
