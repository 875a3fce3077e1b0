// Progress off a terminal, through the real CLI (issue 10: `faultline run … | cat` must show
// progress): stderr is a pipe here, so the run writes one plain line every 5 s naming the phase,
// its elapsed time against its limit, the client ops so far and the faults in force.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { faultline } from "../support/cli.ts";

const store = mkdtempSync(join(tmpdir(), "faultline-progress-"));
afterAll(() => rmSync(store, { recursive: true, force: true }));

const LINE = /^faultline: progress: (setup|main|healing|recovery|final reads|teardown|checking|report) (\d+)s(?:\/(\d+)s)? · client ops (\d+) ok, (\d+) fail, (\d+) info · faults now: ([a-z,-]+) \((\d+) injected\)$/;

it("a run off a terminal writes a plain progress line every 5 s to stderr, none to stdout", async () => {
  // The main phase alone lasts 12 s, so at least two 5 s ticks fall in the run whatever the load.
  const result = await faultline(["run", "--system", "raft", "--time", "12", "--nemesis", "partition", "--nemesis-interval", "2", "--store", store], { timeoutMs: 120_000 });
  expect(result.code, result.stderr).toBe(0);
  const lines = result.stderr.split("\n").filter((line) => line.startsWith("faultline: progress: "));
  expect(lines.length, result.stderr).toBeGreaterThanOrEqual(2);
  const parsed = lines.map((line) => {
    const match = LINE.exec(line);
    expect(match, line).not.toBeNull();
    const [, phase, , limit, ok, fail, info, faults, injected] = match!;
    return { phase, limit, ops: Number(ok) + Number(fail) + Number(info), faults, injected: Number(injected) };
  });
  // The main phase shows its limit (--time); counts only grow.
  const main = parsed.filter((line) => line.phase === "main");
  expect(main.length, lines.join("\n")).toBeGreaterThanOrEqual(1);
  for (const line of main) expect(line.limit).toBe("12");
  for (let i = 1; i < parsed.length; i++) {
    expect(parsed[i].ops).toBeGreaterThanOrEqual(parsed[i - 1].ops);
    expect(parsed[i].injected).toBeGreaterThanOrEqual(parsed[i - 1].injected);
  }
  // Client ops counted as the summary counts them (its availability line), never more.
  const summary = /availability: .* \((\d+) ok, (\d+) fail, (\d+) info\)/.exec(result.stdout);
  expect(summary, result.stdout).not.toBeNull();
  const total = Number(summary![1]) + Number(summary![2]) + Number(summary![3]);
  expect(parsed.at(-1)!.ops).toBeGreaterThan(0);
  expect(parsed.at(-1)!.ops).toBeLessThanOrEqual(total);
  // Plain lines: no terminal control codes in a CI log, and stdout keeps only the summary.
  expect(result.stderr).not.toMatch(/[\r\x1b]/);
  expect(result.stdout).not.toContain("progress:");
});
