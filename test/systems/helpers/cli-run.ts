// `faultline run … --json` through the real CLI, as the system tests use it: the exit code, the
// results object from stdout, the run directory from stderr, and how long the run took.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Availability } from "../../../checkers/stats.ts";
import { faultline } from "../../support/cli.ts";

/** The parts of results.json the system tests look at (harness/verdicts/judge.ts writes it). */
export interface RunResults {
  valid: boolean | "unknown";
  workload: Record<string, unknown>;
  stats: {
    availability: Availability;
    faults: { partitions: { majoritySide: Availability; minoritySide: Availability } | null };
  };
  claims: { claim: string; verdict: string; evidence: string }[];
}

export interface CliRun {
  code: number;
  results: RunResults;
  runDir: string;
  seconds: number;
  stderr: string;
}

/** A run's whole budget: container start, the main phase, recovery, teardown and checking, on a
 *  machine whose two cores other test suites share. */
const RUN_TIMEOUT_MS = 8 * 60_000;

export async function runJson(args: readonly string[]): Promise<CliRun> {
  const started = performance.now();
  const result = await faultline(["run", ...args, "--json"], { timeoutMs: RUN_TIMEOUT_MS });
  const seconds = (performance.now() - started) / 1000;
  const runDir = /run directory (\S+)/.exec(result.stderr)?.[1];
  if (!runDir || result.stdout.trim() === "") {
    throw new Error(`faultline run ${args.join(" ")} exited with ${result.code} after ${seconds.toFixed(0)} s without results; stderr: ${result.stderr.trim().split("\n").slice(-5).join(" | ")}`);
  }
  return { code: result.code, results: JSON.parse(result.stdout) as RunResults, runDir, seconds, stderr: result.stderr };
}

/** Every line of the nodes' own logs (collected into <run>/nodes/<node>/) that matches `pattern`. */
export function nodeLogLines(runDir: string, pattern: RegExp): string[] {
  const matches: string[] = [];
  const nodesDir = join(runDir, "nodes");
  for (const node of readdirSync(nodesDir, { withFileTypes: true })) {
    if (!node.isDirectory()) continue;
    for (const file of readdirSync(join(nodesDir, node.name), { withFileTypes: true })) {
      if (!file.isFile() || !file.name.endsWith(".log")) continue;
      for (const line of readFileSync(join(nodesDir, node.name, file.name), "utf8").split("\n")) if (pattern.test(line)) matches.push(`${node.name}: ${line}`);
    }
  }
  return matches;
}

export function share(fraction: number | null): string {
  return fraction === null ? "–" : `${(fraction * 100).toFixed(1)}%`;
}
