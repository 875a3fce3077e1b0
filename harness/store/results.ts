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

/** results.json of a run stopped by a signal (or its caller's abort) says so next to the verdict. */
export interface RunInterruption {
  /** SIGINT, SIGTERM, or "abort" for a caller's AbortSignal. */
  signal: string;
  /** The phase the run was in: setup, main, heal, recovery, final reads, teardown, checking. */
  phase: string;
  /** Seconds since the main phase began (0 if it never did), and the main phase's planned length. */
  atS: number;
  plannedS: number;
  /** Whether the workload had run to its end: then only what came after (teardown, checking) was cut. */
  historyComplete: boolean;
}

/** results.json of a run whose harness hit an error says so next to the verdict. */
export interface RunCrash {
  phase: string;
  atS: number;
  plannedS: number;
  error: string;
  historyComplete: boolean;
}

/** "at 10.8 s of 30 s (main phase)", "during setup, before the workload started", "during checking". */
export function describeRunMoment(moment: { phase: string; atS: number; plannedS: number }): string {
  if (moment.phase === "setup") return "during setup, before the workload started";
  if (moment.phase === "teardown" || moment.phase === "checking" || moment.phase === "report") return `during ${moment.phase}`;
  const phase = moment.phase === "main" ? "main phase" : moment.phase;
  return `at ${moment.atS.toFixed(1)} s of ${moment.plannedS} s (${phase})`;
}

/** One sentence on how an interrupted or crashed run ended, or undefined for a run that finished. */
export function describeRunEnding(results: Readonly<Record<string, unknown>>): string | undefined {
  const interrupted = results.interrupted as RunInterruption | undefined;
  const crashed = results.crashed as RunCrash | undefined;
  const ending: RunInterruption | RunCrash | undefined = interrupted ?? crashed;
  if (ending === undefined) return undefined;
  const what = interrupted ? `Interrupted by ${interrupted.signal}` : `The harness crashed (${crashed?.error ?? "no message"})`;
  let consequence: string;
  if (ending.phase === "checking") consequence = "the check was abandoned, so the verdict is unknown";
  else if (ending.historyComplete) consequence = "the workload had finished, so the history is complete and the verdict stands";
  else consequence = "the history stops there; the verdict covers only what was recorded, and a clean check of an incomplete history counts as unknown";
  return `${what} ${describeRunMoment(ending)}: ${consequence}.`;
}
