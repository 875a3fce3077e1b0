// Holds a system's claims (clusters/<system>: {model, cap}) against what one run observed, so
// the report can say per claim: held, refuted, or not tested — with the evidence.
//
// Rules, stated once (a workload's checker is known by what it can refute, Workload.refutes):
// - linearizability checkers test claims of linearizable (or strict serializable) single objects;
//   weaker claims (sequential, eventual) are not refuted by a linearizability failure: they never
//   promised it.
// - transactional checkers refute exactly the models they rule out.
// - property checkers (lost writes, mutual exclusion …) refute any claim at least as strong as
//   linearizable or serializable: a lost acknowledged write refutes all of them.
// - CP promises consistency under partition: it takes the verdict of the consistency claim in a run
//   with partitions (not tested when that claim was not tested); the minority side's
//   unavailability is expected and shown as evidence, not judged.
// - AP promises availability under partition: refuted when ops on the minority side of the
//   partitions mostly failed (availability below one half).

import type { CheckResult } from "../../checkers/checker.ts";
import type { StatsResult } from "../../checkers/stats.ts";
import type { Claims, System } from "../../clusters/system.ts";
import type { TestSpec } from "../spec/test-spec.ts";
import type { Workload } from "../../workloads/workload.ts";
import type { ClaimJudgement, ClaimVerdict } from "../store/results.ts";

const STRONG_MODELS: readonly NonNullable<Claims["model"]>[] = ["linearizable", "strict-serializable", "serializable"];

export function judgeClaims(system: System, spec: TestSpec, workload: Workload, checked: CheckResult, stats: CheckResult): ClaimJudgement[] {
  const judgements: ClaimJudgement[] = [];
  const consistency = judgeModel(system.claims, workload, checked);
  if (consistency) judgements.push(consistency);
  judgements.push(judgeCap(system.claims, spec, consistency, stats as StatsResult));
  return judgements;
}

function fromValidity(valid: unknown): ClaimVerdict {
  return valid === true ? "held" : valid === false ? "refuted" : "unknown";
}

function judgeModel(claims: Claims, workload: Workload, checked: CheckResult): ClaimJudgement | undefined {
  const model = claims.model;
  if (!model) return undefined;
  const claim = `${model} (${workload.name} workload)`;
  const refutes = workload.refutes;
  if (refutes.kind === "linearizability") {
    if (model === "linearizable" || model === "strict-serializable") {
      return { claim, verdict: fromValidity(checked.valid), evidence: `linearizability checker: ${describeValidity(checked.valid)}` };
    }
    return { claim, verdict: "not tested", evidence: `${model} does not promise linearizable registers; the checker found them ${describeValidity(checked.valid)}` };
  }
  if (refutes.kind === "transactional") {
    const ruledOut = [...((checked.not as string[]) ?? []), ...((checked.alsoNot as string[]) ?? [])];
    const claimedAs = model === "linearizable" ? "strict-serializable" : model;
    const anomalies = ((checked.anomalyTypes as string[]) ?? []).join(", ") || "none";
    if (checked.valid === "unknown" && !ruledOut.includes(claimedAs)) return { claim, verdict: "unknown", evidence: `checker could not decide; anomalies: ${anomalies}` };
    return ruledOut.includes(claimedAs)
      ? { claim, verdict: "refuted", evidence: `anomalies ${anomalies} rule out ${claimedAs}` }
      : { claim, verdict: "held", evidence: `no anomaly rules out ${claimedAs} (anomalies: ${anomalies})` };
  }
  if (!STRONG_MODELS.includes(model)) return { claim, verdict: "not tested", evidence: `${model} allows what the ${workload.name} checker looks for; it found: ${describeValidity(checked.valid)}` };
  return { claim, verdict: fromValidity(checked.valid), evidence: `${workload.name} checker (${refutes.property}): ${describeValidity(checked.valid)}` };
}

function judgeCap(claims: Claims, spec: TestSpec, consistency: ClaimJudgement | undefined, stats: StatsResult): ClaimJudgement {
  const partitions = stats.faults?.partitions ?? null;
  const sides = partitions
    ? `majority side ${share(partitions.majoritySide.availability)} ok (${partitions.majoritySide.total} ops), minority side ${share(partitions.minoritySide.availability)} ok (${partitions.minoritySide.total} ops)`
    : "no partition in this run";
  if (!spec.nemesis.includes("partition") || !partitions) {
    return { claim: claims.cap, verdict: "not tested", evidence: `needs --nemesis partition; ${sides}` };
  }
  if (claims.cap === "CP") {
    // Consistent means: kept the consistency it claims. A failure of a stronger model it never
    // claimed (a sequential system's stale reads) leaves CP untested by this workload, not refuted.
    if (!consistency || consistency.verdict === "not tested") {
      return { claim: "CP: consistent under partition", verdict: "not tested", evidence: `${consistency ? consistency.evidence : "no consistency model claimed"}; ${sides}` };
    }
    return { claim: "CP: consistent under partition", verdict: consistency.verdict, evidence: `${consistency.claim}: ${consistency.verdict}; ${sides}` };
  }
  const minority = partitions.minoritySide.availability;
  if (minority === null) return { claim: "AP: available under partition", verdict: "unknown", evidence: `no ops reached the minority side; ${sides}` };
  return { claim: "AP: available under partition", verdict: minority >= 0.5 ? "held" : "refuted", evidence: sides };
}

function describeValidity(valid: unknown): string {
  return valid === true ? "valid" : valid === false ? "invalid" : "unknown";
}

function share(fraction: number | null): string {
  return fraction === null ? "–" : `${(fraction * 100).toFixed(1)}%`;
}
