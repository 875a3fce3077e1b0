// VALID means "checked and held", never "nothing contradicted it because nothing was looked at".
// A history in which no client operation completed ok is unknown: nothing was checked. For a run,
// Jepsen's stats rule besides: some kind of client operation that never once completed ok keeps it
// from being valid — a checker can only vouch for what happened, and a register whose writes all
// failed, or a set whose reads all timed out, shows nothing of them. Such a run is unknown, with
// the reason named; a checker's false (a proven violation) stands whatever else happened. A
// history checked on its own (faultline check) is judged by the checker on what did complete —
// the public etcd histories have one with no successful cas that Knossos and Porcupine call
// linearizable — and the op types that never succeeded are only named.

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

export interface CheckedEnoughOptions {
  /** Apply Jepsen's stats rule (runs); otherwise only "nothing was checked" (foreign histories). */
  everyOpType: boolean;
}

/** Op types that were attempted and never completed ok. */
export function neverSucceeded(history: readonly Op[]): { f: string; attempted: number }[] {
  return [...okCounts(history)].filter(([, count]) => count.ok === 0).map(([f, count]) => ({ f, attempted: count.attempted }));
}

export function checkedEnough(checkerValid: Validity, history: readonly Op[], options: CheckedEnoughOptions): CheckedEnough {
  if (checkerValid === false) return { valid: false, unknownBecause: [] };
  const counts = okCounts(history);
  const because: string[] = [];
  if (counts.size === 0) {
    because.push("the history holds no client operation: nothing was checked");
  } else if ([...counts.values()].every((count) => count.ok === 0)) {
    because.push(`no ${[...counts.keys()].join(" or ")} completed ok: nothing was checked`);
  } else if (options.everyOpType) {
    for (const [f, count] of counts) {
      if (count.ok === 0) because.push(`no ${f} completed ok (${count.attempted} attempted), so the checker could not judge any`);
    }
  }
  if (because.length === 0) return { valid: checkerValid, unknownBecause: [] };
  return { valid: "unknown", unknownBecause: because };
}
