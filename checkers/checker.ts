// Checkers are pure functions of a history (DESIGN §3): no I/O, no clock but the budget they are
// given. `valid` is three-valued: "unknown" whenever the checker could not decide (budget spent,
// history incomplete) — never a guess.

import type { Op } from "../harness/op.ts";

export type Validity = true | false | "unknown";

export interface CheckResult {
  valid: Validity;
  /** Anything else the checker reports (anomalies, counts, evidence); must be JSON-serialisable. */
  [field: string]: unknown;
}

export interface CheckOptions {
  /** Wall-clock budget for searches that can explode; when spent the result is "unknown". */
  timeLimitMs?: number;
  /** Consistency models to test against (transactional checkers). */
  consistencyModels?: string[];
  /** Fault windows from the nemesis, for availability breakdowns: [startNs, endNs, fault]. */
  [option: string]: unknown;
}

export interface Checker {
  /** Short name shown in reports ("linearizable", "elle", "set", …). */
  name: string;
  check(history: readonly Op[], opts?: CheckOptions): CheckResult;
}

/** Merges validities the Jepsen way: false beats unknown beats true. */
export function mergeValidity(validities: Iterable<Validity>): Validity {
  let sawUnknown = false;
  for (const v of validities) {
    if (v === false) return false;
    if (v === "unknown") sawUnknown = true;
  }
  return sawUnknown ? "unknown" : true;
}

