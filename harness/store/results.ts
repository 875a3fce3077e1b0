// The shape of a run's results.json that is not a checker's own output: the judgement of each
// claim the system makes. Written by harness/verdicts, read by reports and by anyone who opens
// the store, so it lives with the store layout.

export type ClaimVerdict = "held" | "refuted" | "unknown" | "not tested";

export interface ClaimJudgement {
  claim: string;
  /** Whether the system makes this claim; a refuted claim it does not make is expected (an AP
   *  system losing writes), not a broken promise. */
  claimed: boolean;
  verdict: ClaimVerdict;
  /** The checker (or statistic) whose result decided the verdict. */
  decidedBy: string;
  evidence: string;
}
