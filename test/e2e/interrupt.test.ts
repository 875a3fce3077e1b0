// Ctrl-C and SIGTERM in every phase of a real `faultline run` (local runtime, our Raft nodes).
// Whatever the phase, the harness stops the workload, closes the history, heals, tears the cluster
// down, checks what was recorded, writes the report, prints one line and exits 130 (SIGINT) or 143
// (SIGTERM); no node process of the run survives, history.jsonl is kept, and results.json and
// report.html say at the top that the run was interrupted, and where. A second signal during that
// stop kills the cluster and exits at once.
//
// Phases are found in harness.log ("phase <name>" lines). The short ones are held open the way a
// user meets them: nodes frozen (SIGSTOP) while setup waits for a leader, or while the final reads
// wait for answers. The checking phase runs in a worker thread; the signal goes out the moment
// harness.log announces it.

import { existsSync, mkdtempSync, readFileSync, rmSync, watch } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RunInterruption } from "../../harness/store/results.ts";
import { faultline, spawnFaultline } from "../support/cli.ts";
import { type Harness, harnessLog, historyLines, killGroups, phasesLogged, runDirOf, runStates, survivorsOf, waitFor, watchHarness } from "./run-probes.ts";

const stores: string[] = [];
afterAll(() => {
  for (const store of stores) rmSync(store, { recursive: true, force: true });
});

/** A run under observation: every run id and process group its state files ever named. */
class WatchedRun {
  readonly store = mkdtempSync(join(tmpdir(), "faultline-signal-"));
  readonly harness: Harness;
  readonly runIds = new Set<string>();
  readonly groups = new Set<number>();
  private readonly poller: NodeJS.Timeout;

  constructor(args: string[]) {
    stores.push(this.store);
    this.harness = watchHarness(spawnFaultline(["run", "--system", "raft", "--nodes", "3", "--time", "5", "--store", this.store, ...args]));
    this.poller = setInterval(() => this.record(), 10);
    void this.harness.exited.then(() => clearInterval(this.poller));
  }

  record(): void {
    for (const state of runStates(this.store)) {
      this.runIds.add(state.runId);
      for (const p of state.processes) this.groups.add(p.processGroup);
    }
  }

  /** The harness has exited (a wait for something it will never do should end now). */
  readonly gone = (): boolean => this.harness.child.exitCode !== null || this.harness.child.signalCode !== null;

  runDir(): Promise<string> {
    return waitFor("the run directory", () => runDirOf(this.harness), 60_000, () => this.harness.lastWords(), 25, this.gone);
  }

  async phase(name: string, timeoutMs = 90_000): Promise<string> {
    const runDir = await this.runDir();
    await waitFor(`phase ${name} in harness.log`, () => (phasesLogged(runDir).includes(name) ? true : undefined), timeoutMs, () => this.harness.lastWords(), 5, this.gone);
    return runDir;
  }

  /** Node pids recorded right now (all started nodes). */
  nodePids(count: number): Promise<number[]> {
    return waitFor(
      `${count} node processes in the state file`,
      () => {
        const processes = runStates(this.store).flatMap((s) => s.processes);
        return processes.length >= count ? processes.map((p) => p.pid) : undefined;
      },
      60_000,
      () => this.harness.lastWords(),
      5,
      this.gone,
    );
  }

  signal(signal: NodeJS.Signals): void {
    this.record();
    this.harness.child.kill(signal);
  }

  async end(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const timer = setTimeout(() => this.harness.child.kill("SIGKILL"), 120_000);
    const ended = await this.harness.exited;
    clearTimeout(timer);
    return ended;
  }

  /** Last resort when a test failed: nothing this run started may outlive it. */
  cleanup(): void {
    if (this.harness.child.exitCode === null && this.harness.child.signalCode === null) this.harness.child.kill("SIGKILL");
    killGroups([...this.groups]);
  }
}

function freeze(pids: number[]): void {
  for (const pid of pids) process.kill(pid, "SIGSTOP");
}

/** What every interrupted run must show afterwards. */
async function expectStoppedInOrder(run: WatchedRun, runDir: string, signal: "SIGINT" | "SIGTERM", phase: string, ended: { code: number | null }): Promise<RunInterruption> {
  const { harness } = run;
  expect(ended.code, harness.stderr()).toBe(signal === "SIGINT" ? 130 : 143);
  expect(run.groups.size, "the run started node processes").toBeGreaterThan(0);
  expect(survivorsOf([...run.runIds], [...run.groups]), "node processes of the run still alive").toEqual([]);
  expect(runStates(run.store), "state files left for `faultline cleanup`").toEqual([]);
  expect(existsSync(join(runDir, "history.jsonl")), "history.jsonl kept").toBe(true);

  // One line on stdout: where it stopped, that the history is kept, the report.
  const lines = harness.stdout().trim().split("\n");
  expect(lines, harness.stdout()).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^interrupted${signal === "SIGINT" ? "" : " \\(SIGTERM\\)"} .*; history kept \\(\\d+ entries\\); verdict \\w+; report: ${runDir}/report\\.html$`));
  expect(harness.stderr()).not.toMatch(/crashed|after close\(\)|already running|teardown failed|heal at teardown failed/);
  expect(harnessLog(runDir)).not.toMatch(/heal at teardown failed|already running|crashed/);

  const results = JSON.parse(readFileSync(join(runDir, "results.json"), "utf8")) as Record<string, unknown>;
  expect(Object.keys(results).slice(0, 2), "the interruption sits next to the verdict").toEqual(["valid", "interrupted"]);
  const interrupted = results.interrupted as RunInterruption;
  expect(interrupted.signal).toBe(signal);
  expect(interrupted.phase, harnessLog(runDir)).toBe(phase);
  expect(results.valid === true, "an interrupted run is never judged valid on part of its history").toBe(phase === "teardown");
  const report = readFileSync(join(runDir, "report.html"), "utf8");
  const top = report.slice(0, report.indexOf("<h2>"));
  expect(top).toContain("INTERRUPTED");
  expect(top).toContain(`Interrupted by ${signal}`);
  return interrupted;
}

describe("a signal in each phase of a run", () => {
  it("setup, before the cluster is up (SIGTERM): nodes that hang at start-up are torn down", { retry: 1, timeout: 180_000 }, async () => {
    const run = new WatchedRun(["--nemesis", "none"]);
    try {
      const runDir = await run.runDir();
      // Frozen as soon as they exist, the nodes can never elect a leader: setup waits.
      freeze(await run.nodePids(3));
      expect(harnessLog(runDir)).not.toContain("cluster up");
      run.signal("SIGTERM");
      const ended = await run.end();
      const interrupted = await expectStoppedInOrder(run, runDir, "SIGTERM", "setup", ended);
      expect(interrupted.atS).toBe(0);
      expect(historyLines(runDir)).toBe(0);
      expect(run.harness.stdout()).toContain("interrupted (SIGTERM) during setup, before the workload started");
    } finally {
      run.cleanup();
    }
  });

  it("main phase (SIGINT): exit 130 and a history faultline check reads", { retry: 1, timeout: 180_000 }, async () => {
    const run = new WatchedRun(["--nemesis", "kill", "--nemesis-interval", "1", "--time", "30"]);
    try {
      const runDir = await run.phase("main");
      await waitFor("ops and a fault in the history", () => (historyLines(runDir) > 100 && harnessLog(runDir).includes("nemesis kill ok") ? true : undefined), 90_000, () => run.harness.lastWords());
      run.signal("SIGINT");
      const ended = await run.end();
      const interrupted = await expectStoppedInOrder(run, runDir, "SIGINT", "main", ended);
      expect(interrupted.atS).toBeGreaterThan(0);
      expect(interrupted.atS).toBeLessThan(30);
      expect(run.harness.stdout()).toMatch(/^interrupted at \d+\.\d s of 30 s \(main phase\); history kept/);

      const check = await faultline(["check", join(runDir, "history.jsonl"), "--workload", "register", "--json"]);
      expect([0, 1, 2], check.stderr).toContain(check.code);
      expect((JSON.parse(check.stdout) as { operations: number }).operations).toBeGreaterThan(0);
    } finally {
      run.cleanup();
    }
  });

  it("heal and recovery, as the main phase ends (SIGTERM, what `timeout` sends)", { retry: 1, timeout: 180_000 }, async () => {
    const run = new WatchedRun(["--nemesis", "kill,partition", "--nemesis-interval", "1", "--recovery", "10"]);
    try {
      const runDir = await run.phase("recovery");
      expect(phasesLogged(runDir)).toEqual(["setup", "main", "heal", "recovery"]);
      run.signal("SIGTERM");
      const ended = await run.end();
      await expectStoppedInOrder(run, runDir, "SIGTERM", "recovery", ended);
    } finally {
      run.cleanup();
    }
  });

  it("final reads that hang on a frozen cluster (SIGINT)", { retry: 1, timeout: 180_000 }, async () => {
    const run = new WatchedRun(["--workload", "set", "--nemesis", "none", "--recovery", "2"]);
    try {
      await run.phase("recovery");
      freeze(await run.nodePids(3));
      const runDir = await run.phase("final reads");
      run.signal("SIGINT");
      const ended = await run.end();
      await expectStoppedInOrder(run, runDir, "SIGINT", "final reads", ended);
    } finally {
      run.cleanup();
    }
  });

  it("checking (SIGINT): the check is abandoned, the verdict unknown", { retry: 1, timeout: 180_000 }, async () => {
    const run = new WatchedRun(["--workload", "list-append", "--nemesis", "none", "--recovery", "0", "--rate", "500"]);
    try {
      const runDir = await run.phase("teardown");
      // Signal the moment the phase line is written (a file watch, not a poll).
      await new Promise<void>((resolve) => {
        const watcher = watch(join(runDir, "harness.log"), () => {
          if (!harnessLog(runDir).includes(" phase checking")) return;
          run.signal("SIGINT");
          watcher.close();
          resolve();
        });
      });
      const ended = await run.end();
      await expectStoppedInOrder(run, runDir, "SIGINT", "checking", ended);
      const results = JSON.parse(readFileSync(join(runDir, "results.json"), "utf8")) as { valid: unknown; unknownBecause: string[] };
      expect(results.valid).toBe("unknown");
      expect(results.unknownBecause.join(" ")).toMatch(/check was abandoned/);
    } finally {
      run.cleanup();
    }
  });

  it("a second signal during the orderly stop kills the cluster and exits at once", { retry: 1, timeout: 180_000 }, async () => {
    const run = new WatchedRun(["--nemesis", "none", "--time", "30"]);
    try {
      const runDir = await run.phase("main");
      await waitFor("ops in the history", () => (historyLines(runDir) > 50 ? true : undefined), 60_000, () => run.harness.lastWords());
      // Frozen nodes keep the workload's ops in flight, so the orderly stop is still draining them
      // when the second Ctrl-C comes.
      freeze(await run.nodePids(3));
      run.signal("SIGINT");
      await waitFor("the orderly stop to begin", () => (harnessLog(runDir).includes("interrupted by SIGINT") ? true : undefined), 30_000, () => run.harness.lastWords(), 5);
      const second = Date.now();
      run.signal("SIGINT");
      const ended = await run.end();
      expect(ended.code, run.harness.stderr()).toBe(130);
      expect(Date.now() - second, "exits at once").toBeLessThan(5_000);
      expect(run.harness.stderr()).toContain("interrupted (SIGINT) again; tearing down");
      expect(harnessLog(runDir)).toContain("torn down (at once)");
      expect(survivorsOf([...run.runIds], [...run.groups]), "node processes of the run still alive").toEqual([]);
      expect(historyLines(runDir), "history kept").toBeGreaterThan(50);
    } finally {
      run.cleanup();
    }
  });
});
