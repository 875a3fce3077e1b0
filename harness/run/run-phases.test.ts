import { describe, expect, it } from "vitest";
import { RunPhases, withEnding } from "./run-phases.ts";

function phasesStoppedIn(phase: "main" | "teardown", historyComplete: boolean): { phases: RunPhases; lines: string[] } {
  const lines: string[] = [];
  const stop = new AbortController();
  const phases = new RunPhases(30, (line) => lines.push(line), undefined, stop.signal);
  phases.enter("main");
  if (phase === "teardown") {
    phases.historyComplete = historyComplete;
    phases.enter("teardown");
  }
  stop.abort("SIGINT");
  return { phases, lines };
}

describe("RunPhases", () => {
  it("moves only forward and logs each phase once", () => {
    const lines: string[] = [];
    const phases = new RunPhases(5, (line) => lines.push(line));
    phases.enter("main");
    phases.enter("main");
    phases.enter("heal");
    phases.enter("main");
    expect(phases.phase).toBe("heal");
    expect(lines).toEqual(["phase setup", "phase main", "phase heal"]);
  });

  it("notes a stop request with its signal and phase", () => {
    const { phases, lines } = phasesStoppedIn("main", false);
    expect(phases.interruption).toMatchObject({ signal: "SIGINT", phase: "main", plannedS: 30, historyComplete: false });
    expect(lines.at(-1)).toMatch(/^interrupted by SIGINT during main/);
  });

  it("untilStopped gives up on work at the stop request", async () => {
    const stop = new AbortController();
    const phases = new RunPhases(5, () => {}, undefined, stop.signal);
    const never = new Promise<number>(() => {});
    const pending = phases.untilStopped("setup", never);
    stop.abort("SIGTERM");
    expect(await pending).toBeUndefined();
    expect(await phases.untilStopped("quick", Promise.resolve(1))).toBeUndefined();
  });
});

describe("withEnding", () => {
  it("puts the interruption next to the verdict and makes a clean check of a cut history unknown", () => {
    const { phases } = phasesStoppedIn("main", false);
    const results = withEnding({ valid: true, workload: { valid: true } }, phases, false);
    expect(Object.keys(results).slice(0, 2)).toEqual(["valid", "interrupted"]);
    expect(results.valid).toBe("unknown");
    expect(results.unknownBecause).toEqual([expect.stringMatching(/^Interrupted by SIGINT at \d+\.\d s of 30 s \(main phase\): the history stops there/)]);
  });

  it("keeps an invalid verdict: what was recorded happened", () => {
    const { phases } = phasesStoppedIn("main", false);
    expect(withEnding({ valid: false }, phases, false).valid).toBe(false);
  });

  it("keeps the verdict of a complete history interrupted in teardown", () => {
    const { phases } = phasesStoppedIn("teardown", true);
    const results = withEnding({ valid: true }, phases, false);
    expect(results.valid).toBe(true);
    expect(results.interrupted).toMatchObject({ phase: "teardown", historyComplete: true });
  });

  it("leaves a run that ended on its own alone", () => {
    const phases = new RunPhases(5, () => {});
    const results = { valid: true as const };
    expect(withEnding(results, phases, false)).toBe(results);
  });
});
