// A harness SIGKILLed in the middle of a local run tears nothing down: its Raft nodes keep running.
// `faultline cleanup --store S` must find the run's state file under S/.faultline, kill every node
// process of that run, say how many it killed, and remove the file.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isAlive } from "../../clusters/runtime/local/proc.ts";
import { faultline, spawnFaultline } from "../support/cli.ts";
import { historyLines, killGroups, runDirOf, runStates, survivorsOf, waitFor, watchHarness } from "./run-probes.ts";

describe("faultline cleanup after a SIGKILLed local run", () => {
  it("kills every node process the run left and says how many", { retry: 1, timeout: 180_000 }, async () => {
    const store = mkdtempSync(join(tmpdir(), "faultline-sigkill-local-"));
    const harness = watchHarness(spawnFaultline(["run", "--system", "raft", "--nodes", "3", "--nemesis", "partition", "--nemesis-interval", "1", "--time", "60", "--store", store]));
    let groups: number[] = [];
    try {
      const state = await waitFor("the run's state file with 3 node processes", () => runStates(store).find((s) => s.processes.length >= 3), 90_000, harness.lastWords);
      const runDir = await waitFor("the run directory", () => runDirOf(harness), 10_000, harness.lastWords);
      await waitFor("ops in the history (mid-run)", () => (historyLines(runDir) > 20 ? true : undefined), 90_000, harness.lastWords);
      groups = state.processes.map((p) => p.processGroup);
      const pids = state.processes.map((p) => p.pid);
      expect(pids.every(isAlive), "the nodes run before the harness is killed").toBe(true);

      harness.child.kill("SIGKILL");
      expect((await harness.exited).signal).toBe("SIGKILL");
      // Nothing of the harness's own teardown ran: its nodes are still there.
      expect(survivorsOf([state.runId], groups).length).toBeGreaterThanOrEqual(3);

      const cleanup = await faultline(["cleanup", "--store", store, "--no-docker"]);
      expect(cleanup.code, cleanup.stderr).toBe(0);
      const killed = /local: killed (\d+) process/.exec(cleanup.stdout);
      expect(killed, cleanup.stdout).not.toBeNull();
      expect(Number(killed?.[1]), cleanup.stdout).toBeGreaterThanOrEqual(3);
      expect(cleanup.stdout).toMatch(/removed 1 state file/);

      expect(survivorsOf([state.runId], groups), "processes of the run left after cleanup").toEqual([]);
      for (const pid of pids) expect(isAlive(pid), `node pid ${pid}`).toBe(false);
      expect(runStates(store), "the state file is gone").toEqual([]);

      const again = await faultline(["cleanup", "--store", store, "--no-docker"]);
      expect(again.stdout).toMatch(/local: nothing to clean up/);
    } finally {
      if (harness.child.exitCode === null && harness.child.signalCode === null) harness.child.kill("SIGKILL");
      killGroups(groups);
      rmSync(store, { recursive: true, force: true });
    }
  });
});
