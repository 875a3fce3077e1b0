// A checker's findings in plain sentences, for the terminal and for the top of a report: the first
// failure a reader should look at, and each claim as a sentence. Reads the result shapes the
// checkers write (checkers/*.ts); anything it does not know it names by field and count, never as
// a wall of JSON.

import type { CheckResult } from "../checkers/checker.ts";
import type { ClaimJudgement } from "../harness/store/results.ts";

interface Ref {
  index?: number;
  process?: number | string;
}

const at = (ref: Ref | null | undefined) => (ref && typeof ref.index === "number" ? `op #${ref.index}` : "an op");
const show = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};
const plural = (n: number, word: string) => `${n.toLocaleString("en")} ${word}${n === 1 ? "" : "s"}`;

/** The first failure in a checker's result, in one or two sentences; undefined when it found none. */
export function firstFailureInWords(result: CheckResult): string | undefined {
  const r = result as Record<string, unknown>;
  if (Array.isArray(r.failures) && r.failures.length > 0) {
    const failure = r.failures[0] as { key?: unknown; explanation?: string };
    const others = r.failures.length > 1 ? ` (${plural(r.failures.length - 1, "more key")} not linearizable)` : "";
    const object = failure.key === undefined || failure.key === null ? "the history" : `key ${show(failure.key)}`;
    // The checker's explanation opens with its own "key …: not linearizable." — said here already.
    const explanation = (failure.explanation ?? "no order of its ops explains what was read").replace(/^(key [^:]*: )?not linearizable\.\s*/, "");
    return `${object} is not linearizable: ${explanation}${others}`;
  }
  if (r.anomalies && typeof r.anomalies === "object") {
    for (const [type, list] of Object.entries(r.anomalies as Record<string, unknown[]>)) {
      if (!Array.isArray(list) || list.length === 0) continue;
      const explanation = (list[0] as { explanation?: unknown }).explanation;
      const ruledOut = Array.isArray(r.not) && r.not.length > 0 ? `; rules out ${(r.not as string[]).join(", ")}` : "";
      return `${type} (${plural(list.length, "case")})${typeof explanation === "string" ? `: ${explanation}` : ""}${ruledOut}`;
    }
  }
  if (Array.isArray(r.lost) && r.lost.length > 0) {
    const lost = r.lost[0] as { element?: unknown; message?: unknown; addCompletion?: Ref; enqueueCompletion?: Ref; missingFromFinalReads?: unknown[] };
    const what = "element" in lost ? `element ${show(lost.element)}` : `message ${show(lost.message)}`;
    const acked = lost.addCompletion ?? lost.enqueueCompletion;
    const finals = Array.isArray(lost.missingFromFinalReads) ? `, and ${plural(lost.missingFromFinalReads.length, "final read")} after it lacked it` : "";
    return `${plural(r.lost.length, "acknowledged write")} lost; the first, ${what}, was acknowledged at ${at(acked)}${finals}`;
  }
  if (Array.isArray(r.badReads) && r.badReads.length > 0) {
    const bad = r.badReads[0] as { read?: Ref; kinds?: string[]; total?: number; expectedTotal?: number; unexplained?: { missingTransfer?: Ref | null; difference?: unknown } };
    const kinds = (bad.kinds ?? []).join(", ");
    const detail = bad.unexplained
      ? bad.unexplained.missingTransfer
        ? `: it misses the transfer acknowledged at ${at(bad.unexplained.missingTransfer)}`
        : `: no set of concurrent or indeterminate transfers explains balances off by ${show(bad.unexplained.difference)}`
      : kinds.includes("wrong-total")
        ? `: total ${bad.total} instead of ${bad.expectedTotal}`
        : "";
    return `${plural(r.badReads.length, "bad read")}; the first, ${at(bad.read)}, is ${kinds}${detail}`;
  }
  if (Array.isArray(r.overlaps) && r.overlaps.length > 0) {
    const overlap = r.overlaps[0] as { first?: { acquire?: Ref; process?: unknown }; second?: { acquire?: Ref; process?: unknown } };
    return `${plural(r.overlaps.length, "overlapping hold")} of the lock: ${at(overlap.first?.acquire)} and ${at(overlap.second?.acquire)} held it at the same time`;
  }
  if (Array.isArray(r.duplicated) && r.duplicated.length > 0) {
    const duplicate = r.duplicated[0] as { id?: unknown; element?: unknown; message?: unknown };
    const what = duplicate.id ?? duplicate.element ?? duplicate.message;
    return `${plural(r.duplicated.length, "value")} handed out or read more than once; the first: ${show(what)}`;
  }
  if (Array.isArray(r.errors) && r.errors.length > 0) {
    const error = r.errors[0] as { read?: Ref; value?: unknown; lower?: number; upper?: number };
    return `${plural(r.errors.length, "read")} out of bounds; the first, ${at(error.read)}, read ${show(error.value)} outside [${error.lower}, ${error.upper}]`;
  }
  for (const [field, value] of Object.entries(r)) {
    if (Array.isArray(value) && value.length > 0 && !["malformed", "totals", "series", "neverRead", "recovered", "stale", "unknownBecause", "not", "alsoNot", "anomalyTypes"].includes(field)) {
      return `${plural(value.length, field.replace(/([A-Z])/g, " $1").toLowerCase())} (see the report)`;
    }
  }
  return undefined;
}

/** Why a verdict is unknown, as the checkers and the verdict rules said it. */
export function unknownInWords(result: CheckResult): string[] {
  const reasons: string[] = [];
  const collect = (value: unknown) => {
    if (typeof value === "string") reasons.push(value);
    else if (Array.isArray(value)) for (const item of value) if (typeof item === "string") reasons.push(item);
  };
  collect((result as Record<string, unknown>).unknownBecause);
  const workload = (result as Record<string, unknown>).workload;
  const checked = workload && typeof workload === "object" ? (workload as Record<string, unknown>) : (result as Record<string, unknown>);
  if (checked !== result) collect(checked.unknownBecause);
  collect(checked.reason);
  return [...new Set(reasons)];
}

/** One claim as a sentence: "CP … — held: <evidence> (decided by <checker>)". */
export function claimInWords(claim: ClaimJudgement): string {
  const promise = claim.claimed === false ? `${claim.claim} (not claimed by the system)` : claim.claim;
  return `${promise} — ${claim.verdict}: ${claim.evidence}${claim.decidedBy ? ` (decided by the ${claim.decidedBy})` : ""}`;
}
