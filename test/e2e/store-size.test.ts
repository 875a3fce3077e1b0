// What a run leaves in the store: node logs always; node data (WALs, snapshots, database files)
// only when the run needs looking into — invalid, unknown, interrupted, crashed — or with
// --keep-data. A valid run keeps nodes/<node>/*.log and nothing else of its nodes.

import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { faultline, spawnFaultline } from "../support/cli.ts";
import { harnessLog, historyLines, phasesLogged, runDirOf, waitFor, watchHarness } from "./run-probes.ts";

const store = mkdtempSync(join(tmpdir(), "faultline-store-size-"));
afterAll(() => rmSync(store, { recursive: true, force: true }));

const RUN = ["run", "--system", "raft", "--nodes", "3", "--nemesis", "none", "--recovery", "0", "--store", store];

/** nodes/<node>/ entries of a run, per node. */
function nodeEntries(runDir: string): Record<string, string[]> {
  const nodesDir = join(runDir, "nodes");
  return Object.fromEntries(readdirSync(nodesDir).map((node) => [node, readdirSync(join(nodesDir, node)).sort()]));
}

function runDirFrom(stderr: string): string {
  const dir = /run directory (\S+)/.exec(stderr)?.[1];
  if (!dir) throw new Error(`no run directory announced; stderr: ${stderr}`);
  return dir;
}

describe("node data in the store", () => {
  it("a valid run keeps its nodes' logs and drops their data", { timeout: 180_000 }, async () => {
    const result = await faultline([...RUN, "--time", "3", "--name", "valid"]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const runDir = runDirFrom(result.stderr);
    const nodes = nodeEntries(runDir);
    expect(Object.keys(nodes)).toEqual(["n1", "n2", "n3"]);
    for (const [node, entries] of Object.entries(nodes)) expect(entries, node).toEqual(["stderr.log", "stdout.log"]);
    expect(harnessLog(runDir)).toMatch(/node data removed \(\d+(\.\d)? [kMG]?B\), logs kept/);
  });

  it("--keep-data keeps a valid run's node data", { timeout: 180_000 }, async () => {
    const result = await faultline([...RUN, "--time", "3", "--name", "keep", "--keep-data"]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const runDir = runDirFrom(result.stderr);
    for (const [node, entries] of Object.entries(nodeEntries(runDir))) expect(entries, node).toEqual(["stderr.log", "stdout.log", "wal"]);
    expect(harnessLog(runDir)).toContain("node data kept");
  });

  it("an interrupted run (verdict unknown) keeps its node data", { retry: 1, timeout: 180_000 }, async () => {
    const harness = watchHarness(spawnFaultline([...RUN, "--time", "30", "--name", "interrupted"]));
    try {
      const runDir = await waitFor("the run directory", () => runDirOf(harness), 60_000, harness.lastWords);
      await waitFor("the main phase with ops", () => (phasesLogged(runDir).includes("main") && historyLines(runDir) > 20 ? true : undefined), 90_000, harness.lastWords);
      harness.child.kill("SIGINT");
      expect((await harness.exited).code, harness.stderr()).toBe(130);
      for (const [node, entries] of Object.entries(nodeEntries(runDir))) expect(entries, node).toContain("wal");
      expect(harnessLog(runDir)).toContain("node data kept");
      expect(existsSync(join(runDir, "nodes", "n1", "stdout.log"))).toBe(true);
    } finally {
      if (harness.child.exitCode === null && harness.child.signalCode === null) harness.child.kill("SIGKILL");
    }
  });
});
