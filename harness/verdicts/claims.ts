// Holds a system's claims (clusters/<system>: {model, cap}) against what one run observed, so
// the report can say per claim: held, refuted, unknown or not tested — with the evidence, and with
// the checker that decided it.
//
// Rules, stated once (a workload's checker is known by what it can refute, Workload.refutes):
// - A claim is held only when a checker that can refute it ran and its verdict stood (the run's
//   final verdict: a checker's "true" over a history in which some op type never completed ok is
//   "unknown", harness/verdicts/checked-enough.ts).
// - Consistency model. Linearizability checkers test claims of linearizable (or strict
//   serializable) single objects; weaker claims (sequential, eventual) are not refuted by a
//   linearizability failure: they never promised it. Transactional checkers refute exactly the
//   models they rule out. A property checker (lost writes, mutual exclusion …) cannot show a model
//   holds, so it never holds one; but a violated property refutes every model that forbids it —
//   linearizable and the serializable family lose no acknowledged write.
// - Property. A workload whose checker decides a property ("no add lost once acknowledged or read") gets a
//   claim of its own. A system promises it when its claims say durable (Kafka with acks=all …), and
//   by default when it claims a consistency model stronger than eventual; otherwise a violation is
//   reported, as expected, not as a broken promise.
// - A system whose claims say `serving: "no-side"` (two-phase commit, write-all) promises no side
//   keeps serving: its CP is consistency under partition alone, availability shown as evidence.
// - CP promises consistency under partition AND that the side holding a majority keeps serving:
//   refuted when consistency was refuted, or when the majority side answered less than
//   SERVING_THRESHOLD of its clients' ops during partitions that no other fault overlapped (a kill
//   or pause there may take the majority side's quorum away: that is not the partition's doing).
//   The minority side's refusals are expected and shown as evidence.
// - AP promises availability under partition: every side keeps serving. Refuted when either side
//   answered less than SERVING_THRESHOLD of its clients' ops, over the same ops.

import type { CheckResult, Validity } from "../../checkers/checker.ts";
import type { Availability, StatsResult } from "../../checkers/stats.ts";
import type { Claims } from "../../clusters/system.ts";
import type { TestSpec } from "../spec/test-spec.ts";
import type { Workload } from "../../workloads/workload.ts";
import type { ClaimJudgement, ClaimVerdict } from "../store/results.ts";

/** Share of its clients' ops a partition side must answer to count as serving. A CP system's
 *  majority side loses some to the election after a cut; half is far below what a healthy one
 *  answers and far above what a side that stopped serving does. */
export const SERVING_THRESHOLD = 0.5;

const STRONG_MODELS: readonly NonNullable<Claims["model"]>[] = ["linearizable", "strict-serializable", "serializable"];
const AVAILABILITY = "availability by partition side";

/** `claims`: what the system claims at the run's options (clusters/system.ts claimsOf). */
export function judgeClaims(claims: Claims, spec: TestSpec, workload: Workload, checked: CheckResult, verdict: Validity, stats: CheckResult): ClaimJudgement[] {
  const judgements: ClaimJudgement[] = [];
  const consistency = judgeModel(claims, workload, checked, verdict);
  if (consistency) judgements.push(consistency);
  const property = judgeProperty(claims, workload, verdict);
  if (property) judgements.push(property);
  // CP rests on what the system claimed: its model when the workload tests it, else the property.
  const basis = consistency && consistency.verdict !== "not tested" ? consistency : property?.claimed ? property : consistency;
  judgements.push(judgeCap(claims, spec, basis, stats as StatsResult));
  return judgements;
}

function fromValidity(valid: Validity): ClaimVerdict {
  return valid === true ? "held" : valid === false ? "refuted" : "unknown";
}

function judgeModel(claims: Claims, workload: Workload, checked: CheckResult, verdict: Validity): ClaimJudgement | undefined {
  const model = claims.model;
  if (!model) return undefined;
  const claim = `${model} (${workload.name} workload)`;
  const decidedBy = `${workload.name} checker`;
  const refutes = workload.refutes;
  if (refutes.kind === "linearizability") {
    if (model === "linearizable" || model === "strict-serializable") {
      return { claim, claimed: true, verdict: fromValidity(verdict), decidedBy: "linearizability checker", evidence: `linearizability checker: ${describeValidity(verdict)}` };
    }
    return { claim, claimed: true, verdict: "not tested", decidedBy: "linearizability checker", evidence: `${model} does not promise linearizable registers; the checker found them ${describeValidity(verdict)}` };
  }
  if (refutes.kind === "transactional") {
    const ruledOut = [...((checked.not as string[]) ?? []), ...((checked.alsoNot as string[]) ?? [])];
    const claimedAs = model === "linearizable" ? "strict-serializable" : model;
    const anomalies = ((checked.anomalyTypes as string[]) ?? []).join(", ") || "none";
    if (ruledOut.includes(claimedAs)) return { claim, claimed: true, verdict: "refuted", decidedBy: "transactional checker (Elle)", evidence: `anomalies ${anomalies} rule out ${claimedAs}` };
    if (verdict !== true) return { claim, claimed: true, verdict: "unknown", decidedBy: "transactional checker (Elle)", evidence: `the checker could not decide (verdict ${describeValidity(verdict)}); anomalies: ${anomalies}` };
    return { claim, claimed: true, verdict: "held", decidedBy: "transactional checker (Elle)", evidence: `no anomaly rules out ${claimedAs} (anomalies: ${anomalies})` };
  }
  if (STRONG_MODELS.includes(model) && verdict === false) {
    return { claim, claimed: true, verdict: "refuted", decidedBy, evidence: `${model} forbids what the ${workload.name} checker found: ${refutes.property} was violated` };
  }
  return {
    claim,
    claimed: true,
    verdict: "not tested",
    decidedBy,
    evidence: `the ${workload.name} checker tests ${refutes.property}, which cannot show ${model} holds (it found: ${describeValidity(verdict)}); run the register or a transactional workload for that`,
  };
}

function judgeProperty(claims: Claims, workload: Workload, verdict: Validity): ClaimJudgement | undefined {
  const refutes = workload.refutes;
  if (refutes.kind !== "property") return undefined;
  const claimed = claims.durable ?? (claims.model !== undefined && claims.model !== "eventual");
  const decidedBy = `${workload.name} checker`;
  const evidence = claimed
    ? `${workload.name} checker: ${describeValidity(verdict)}`
    : `not promised by the system at these settings (${claims.model ?? "no consistency model"}${claims.durable === false ? ", acknowledged writes not durable" : ""}); the ${workload.name} checker found: ${describeValidity(verdict)}`;
  return { claim: refutes.property, claimed, verdict: fromValidity(verdict), decidedBy, evidence };
}

function judgeCap(claims: Claims, spec: TestSpec, consistency: ClaimJudgement | undefined, stats: StatsResult): ClaimJudgement {
  const partitions = stats.faults?.partitions ?? null;
  // Serving is judged over ops that no other fault overlapped: a kill or pause on the majority
  // side can cost it its quorum, which says nothing of how the system handled the partition.
  const alone = stats.faults?.partitionsAlone ?? null;
  const sides = partitions ? describeSides(partitions) : "no partition in this run";
  const servingSides = alone ? `with no other fault active: ${describeSides(alone)}` : "every partition overlapped another fault, so serving could not be judged";
  const threshold = `${SERVING_THRESHOLD * 100}%`;
  if (!spec.nemesis.includes("partition") || !partitions) {
    return { claim: claims.cap, claimed: true, verdict: "not tested", decidedBy: AVAILABILITY, evidence: `needs --nemesis partition; ${sides}` };
  }
  if (claims.cap === "CP" && claims.serving === "no-side") {
    const claim = "CP: consistent under partition (no side promised to keep serving)";
    if (!consistency || consistency.verdict === "not tested") {
      return { claim, claimed: true, verdict: "not tested", decidedBy: consistency?.decidedBy ?? AVAILABILITY, evidence: `${consistency ? consistency.evidence : "no consistency model claimed"}; ${sides}` };
    }
    return { claim, claimed: true, verdict: consistency.verdict, decidedBy: consistency.decidedBy, evidence: `${consistency.claim}: ${consistency.verdict}; availability, not promised: ${sides}` };
  }
  if (claims.cap === "CP") {
    const claim = `CP: consistent under partition, majority side serving (≥ ${threshold})`;
    // Consistent means: kept the consistency it claims. A failure of a stronger model it never
    // claimed (a sequential system's stale reads) leaves CP untested by this workload, not refuted.
    if (!consistency || consistency.verdict === "not tested") {
      return { claim, claimed: true, verdict: "not tested", decidedBy: consistency?.decidedBy ?? AVAILABILITY, evidence: `${consistency ? consistency.evidence : "no consistency model claimed"}; ${sides}` };
    }
    if (consistency.verdict === "refuted") return { claim, claimed: true, verdict: "refuted", decidedBy: consistency.decidedBy, evidence: `${consistency.claim}: refuted; ${sides}` };
    const majority = alone?.majoritySide.availability ?? null;
    if (majority !== null && majority < SERVING_THRESHOLD) {
      return { claim, claimed: true, verdict: "refuted", decidedBy: AVAILABILITY, evidence: `the majority side stopped serving ${servingSides}; over all partitions: ${sides}` };
    }
    if (majority === null) return { claim, claimed: true, verdict: "unknown", decidedBy: AVAILABILITY, evidence: `${consistency.claim}: ${consistency.verdict}, but no client op was issued on the majority side of a partition with no other fault active (${servingSides}); over all partitions: ${sides}` };
    return { claim, claimed: true, verdict: consistency.verdict, decidedBy: `${consistency.decidedBy} + ${AVAILABILITY}`, evidence: `${consistency.claim}: ${consistency.verdict}; ${servingSides}; over all partitions: ${sides}` };
  }
  const claim = `AP: every side serving under partition (≥ ${threshold})`;
  const minority = alone?.minoritySide.availability ?? null;
  const majority = alone?.majoritySide.availability ?? null;
  if (minority === null || majority === null) {
    return { claim, claimed: true, verdict: "unknown", decidedBy: AVAILABILITY, evidence: `no client op was issued on the ${minority === null ? "minority" : "majority"} side of a partition with no other fault active; over all partitions: ${sides}` };
  }
  return { claim, claimed: true, verdict: minority >= SERVING_THRESHOLD && majority >= SERVING_THRESHOLD ? "held" : "refuted", decidedBy: AVAILABILITY, evidence: `${servingSides}; over all partitions: ${sides}` };
}

function describeSides(partitions: { majoritySide: Availability; minoritySide: Availability }): string {
  return `majority side answered ${share(partitions.majoritySide)} of ${partitions.majoritySide.total} ops, minority side ${share(partitions.minoritySide)} of ${partitions.minoritySide.total}`;
}

function describeValidity(valid: unknown): string {
  return valid === true ? "valid" : valid === false ? "invalid" : "unknown";
}

function share(side: Availability): string {
  return side.availability === null ? "–" : `${(side.availability * 100).toFixed(1)}%`;
}
