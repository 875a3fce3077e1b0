// Ctrl-C in the middle of the new faults (clock, link, disk, member, reactive, with pauses) leaves
// nothing behind: no node process (paused or not), no clock offset file, no WAL copy of the disk
// nemesis; and a SIGKILLed harness's clock offsets go with `faultline cleanup`.

import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLOCK_CONTROL_FILE } from "../../clusters/node-faults/clock.ts";
import { faultline, spawnFaultline } from "../support/cli.ts";
import { harnessLog, killGroups, runDirOf, runStates, survivorsOf, waitFor, watchHarness } from "./run-probes.ts";

const stores: string[] = [];
afterAll(() => {
  for (const store of stores) rmSync(store, { recursive: true, force: true });
});

/** Every file under `dir` whose name `matches`. */
function filesUnder(dir: string, matches: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && matches(entry.name)) found.push(join(entry.parentPath, entry.name));
  }
  return found;
}

const FAULTS = ["--nemesis", "clock,link,disk,member,reactive,pause", "--nemesis-interval", "1"];
/** The nemesis's choices follow the seed, whatever the timing: with seed 3 a clock offset and a
 *  pause are in place together, after link, disk and member faults, at the 28th, 30th and 59th
 *  nemesis op (three 60 s runs, the same ops each time). A random seed gave one such moment a
 *  minute (seeds 1, 2: the 55th, 56th op), and under CI's load the 120 s run could end without one
 *  while the test polled (session 8's CI: the retry passed). */
const OVERLAP_SEED = "3";

describe("interrupting a run during the new faults", () => {
  it("Ctrl-C with a clock offset, a paused node and link faults in place: nothing is left behind", { retry: 1, timeout: 240_000 }, async () => {
    const store = mkdtempSync(join(tmpdir(), "faultline-fault-sigint-"));
    stores.push(store);
    const harness = watchHarness(spawnFaultline(["run", "--system", "raft", "--nodes", "5", ...FAULTS, "--seed", OVERLAP_SEED, "--time", "120", "--store", store]));
    const runIds = new Set<string>();
    const groups = new Set<number>();
    const poll = setInterval(() => {
      for (const state of runStates(store)) {
        runIds.add(state.runId);
        for (const p of state.processes) groups.add(p.processGroup);
      }
    }, 20);
    try {
      const runDir = await waitFor("the run directory", () => runDirOf(harness), 60_000, harness.lastWords);
      // Wait until a clock offset and a pause are both in place (the last clock op set offsets, not
      // a reset, and the last pause op paused somebody), and link faults, a damaged WAL and a
      // membership change have each been made at least once, so that every new kind's heal has
      // run in this run before the interrupt tests the last one.
      await waitFor(
        "a clock offset and a paused node at the same time, after link, disk and member faults",
        () => {
          const log = harnessLog(runDir);
          const last = (pattern: RegExp) => [...log.matchAll(pattern)].pop()?.[0];
          const clock = last(/nemesis (clock|reset-clock) ok/g);
          const pause = last(/nemesis (pause ok \{"paused":\["|resume ok)/g);
          const offsets = filesUnder(join(runDir, "nodes"), (name) => name === CLOCK_CONTROL_FILE);
          const others = ["start-link", "corrupt-disk", "remove-member"].every((f) => new RegExp(`nemesis ${f} (ok|info)`).test(log));
          return clock?.includes("nemesis clock ok") && pause?.includes("pause ok") && offsets.length > 0 && others ? true : undefined;
        },
        150_000,
        harness.lastWords,
        20,
      );
      expect(filesUnder(join(runDir, "nodes"), (name) => name === CLOCK_CONTROL_FILE).length).toBeGreaterThan(0);
      harness.child.kill("SIGINT");
      const ended = await harness.exited;
      expect(ended.code, harness.stderr()).toBe(130);
      expect(survivorsOf([...runIds], [...groups]), "node processes of the run still alive").toEqual([]);
      expect(runStates(store), "state files left for `faultline cleanup`").toEqual([]);
      expect(filesUnder(join(runDir, "nodes"), (name) => name === CLOCK_CONTROL_FILE), "clock offsets left beside the nodes' data").toEqual([]);
      expect(filesUnder(join(runDir, "nodes"), (name) => name.endsWith(".faultline-backup")), "copies of damaged WAL segments left").toEqual([]);
      expect(harnessLog(runDir)).not.toMatch(/heal at teardown failed/);
    } finally {
      clearInterval(poll);
      if (harness.child.exitCode === null && harness.child.signalCode === null) harness.child.kill("SIGKILL");
      killGroups([...groups]);
    }
  });

  it("a SIGKILLed harness during a clock fault: faultline cleanup kills its nodes and removes the offsets", { retry: 1, timeout: 240_000 }, async () => {
    const store = mkdtempSync(join(tmpdir(), "faultline-fault-sigkill-"));
    stores.push(store);
    const harness = watchHarness(spawnFaultline(["run", "--system", "raft", "--nodes", "3", "--nemesis", "clock:offset+bump", "--nemesis-interval", "1", "--time", "120", "--store", store]));
    let groups: number[] = [];
    try {
      const runDir = await waitFor("the run directory", () => runDirOf(harness), 60_000, harness.lastWords);
      const state = await waitFor("the run's state file with 3 node processes", () => runStates(store).find((s) => s.processes.length >= 3), 90_000, harness.lastWords);
      groups = state.processes.map((p) => p.processGroup);
      await waitFor("a clock offset on some node", () => (filesUnder(join(runDir, "nodes"), (name) => name === CLOCK_CONTROL_FILE).length > 0 ? true : undefined), 120_000, harness.lastWords, 10);
      harness.child.kill("SIGKILL");
      await harness.exited;
      expect(filesUnder(join(runDir, "nodes"), (name) => name === CLOCK_CONTROL_FILE).length, "the offset outlived the harness").toBeGreaterThan(0);

      const cleanup = await faultline(["cleanup", "--store", store, "--no-docker"]);
      expect(cleanup.code, cleanup.stderr).toBe(0);
      expect(cleanup.stdout).toMatch(/local: killed \d+ process.*and \d+ clock offset\(s\) left by a clock fault/);
      expect(survivorsOf([state.runId], groups)).toEqual([]);
      expect(filesUnder(join(runDir, "nodes"), (name) => name === CLOCK_CONTROL_FILE), "clock offsets after cleanup").toEqual([]);
    } finally {
      if (harness.child.exitCode === null && harness.child.signalCode === null) harness.child.kill("SIGKILL");
      killGroups(groups);
    }
  });
});
