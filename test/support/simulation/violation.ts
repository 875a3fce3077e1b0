// How a simulated run fails: a SafetyViolation names the broken guarantee and what proves it.

/** `kind`: a protocol names its own (raft-simulation/safety-checker.ts); the loop adds two:
 *  "liveness" (the healed cluster did not converge, or a message storm ran away) and
 *  "assertion" (an assertion in the core, or a broken shell contract, stopped the run). */
export class SafetyViolation extends Error {
  override name = "SafetyViolation";
  constructor(
    readonly kind: string,
    detail: string,
  ) {
    super(`${kind}: ${detail}`);
  }
}

/** Base of a protocol's safety checker. By default the first violation is thrown, which stops
 *  the run with the seed in hand; `record` notes each and carries on, to see what a broken
 *  cluster does next (a bug switch must let it keep running wrong). */
export class InvariantChecker<Kind extends string> {
  /** Only filled when recording. */
  readonly violations: SafetyViolation[] = [];

  constructor(private readonly mode: "throw" | "record" = "throw") {}

  protected fail(kind: Kind, detail: string): void {
    const violation = new SafetyViolation(kind, detail);
    if (this.mode === "throw") throw violation;
    this.violations.push(violation);
  }
}
