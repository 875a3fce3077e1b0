// The shape of a run's results.json that is not a checker's own output: the judgement of each
// claim the system makes. Written by harness/verdicts, read by reports and by anyone who opens
// the store, so it lives with the store layout.

export type ClaimVerdict = "held" | "refuted" | "unknown" | "not tested";

export interface ClaimJudgement {
  claim: string;
  verdict: ClaimVerdict;
  evidence: string;
}
