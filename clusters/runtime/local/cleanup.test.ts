import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { cleanupLeftovers } from "./cleanup.ts";
import { LocalRuntime } from "./local-runtime.ts";
import { isAlive, processGroupMembers, readProcess } from "./proc.ts";
import { RUN_DIR_STATE_FILE, RUN_STATE_VERSION, type RunState, storeStateDir } from "./run-state.ts";
import { waitFor } from "./testdata/wait.ts";

const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const ORPHAN_RUNTIME = fileURLToPath(new URL("./testdata/orphan-runtime.ts", import.meta.url));

const stores: string[] = [];
/** Every process a test started (pid → start time), killed at the end in case an assertion failed
 *  before cleanup did — but only while the pid still names that same process. */
const seen = new Map<number, string | undefined>();
function remember(pid: number): void {
  seen.set(pid, readProcess(pid)?.startTime);
}

function newStore(): string {
  const store = mkdtempSync(join(tmpdir(), "faultline-cleanup-"));
  stores.push(store);
  return store;
}

function spawnIdle(): ChildProcess {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1e9)"], { stdio: "ignore" });
  remember(child.pid!);
  return child;
}

afterEach(() => {
  for (const [pid, startTime] of seen) {
    if (startTime !== undefined && readProcess(pid)?.startTime === startTime) process.kill(pid, "SIGKILL");
  }
  seen.clear();
});

afterAll(() => {
  for (const store of stores) rmSync(store, { recursive: true, force: true });
});

describe("cleanupLeftovers", () => {
  it("kills every process of a SIGKILLed harness's runtime, and only those", async () => {
    const store = newStore();
    const harness = spawn(process.execPath, ["--import", TSX_LOADER, ORPHAN_RUNTIME, store], { stdio: ["ignore", "pipe", "inherit"] });
    remember(harness.pid!);
    let output = "";
    harness.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const line = await waitFor("the runtime to report its nodes", () => output.split("\n").find((l) => l.startsWith("{")), 30_000);
    const { stateFile, leaders } = JSON.parse(line) as { stateFile: string; leaders: number[] };
    const members = leaders.flatMap((leader) => processGroupMembers(leader).map((p) => p.pid));
    for (const pid of members) remember(pid);
    expect(members).toHaveLength(4);
    expect(stateFile).toMatch(new RegExp(`^${join(storeStateDir(store), "runs")}/`));

    const harnessExited = new Promise((resolve) => harness.once("exit", resolve));
    harness.kill("SIGKILL");
    await harnessExited;
    // Orphans now: nobody will ever tear them down.
    expect(members.every(isAlive)).toBe(true);
    // A node whose leader died on its own still leaves its helper behind in the group.
    process.kill(leaders[0], "SIGKILL");
    await waitFor("the first leader to die", () => !isAlive(leaders[0]));

    const result = await cleanupLeftovers(store);
    expect(result.files).toEqual([stateFile]);
    expect(result.skipped).toEqual([]);
    expect([...result.killed].sort()).toEqual(members.filter((pid) => pid !== leaders[0]).sort());
    // Killed processes are orphans of pid 1, which may take a while to reap them: a zombie is
    // not running, so isAlive (which reads /proc) is the test rather than kill(pid, 0).
    for (const pid of members) expect(isAlive(pid)).toBe(false);
    expect(existsSync(stateFile)).toBe(false);
    expect(await cleanupLeftovers(store)).toEqual({ killed: [], files: [], clockFiles: [], skipped: [] });
  });

  it("leaves a run whose harness is still alive alone", async () => {
    const store = newStore();
    const runtime = await LocalRuntime.create({ nodes: ["a"], dir: join(store, "t", "r", "nodes"), seed: 1, stateDir: storeStateDir(store) });
    try {
      await runtime.start("a", { command: process.execPath, args: ["-e", "setInterval(() => {}, 1e9)"] });
      const result = await cleanupLeftovers(store);
      expect(result.killed).toEqual([]);
      expect(result.skipped).toEqual([{ file: runtime.stateFilePath, reason: expect.stringMatching(/still in progress \(harness pid \d+ is alive\)/) }]);
      expect(isAlive(runtime.pid("a")!)).toBe(true);
    } finally {
      await runtime.teardown();
    }
  });

  it("never kills a process that merely inherited a recorded pid", async () => {
    const store = newStore();
    const stranger = spawnIdle();
    const finished = spawn("true");
    await new Promise((resolve) => finished.once("exit", resolve));
    const state: RunState = {
      version: RUN_STATE_VERSION,
      runId: "00000000-0000-4000-8000-000000000000",
      harness: { pid: finished.pid!, startTime: "0" },
      dir: join(store, "t", "r", "nodes"),
      createdAt: new Date().toISOString(),
      processes: [{ node: "a", pid: stranger.pid!, processGroup: stranger.pid!, startTime: "1", command: "server" }],
    };
    // The run-directory convention, for a runtime created without stateDir.
    const file = join(store, "t", "r", RUN_DIR_STATE_FILE);
    mkdirSync(join(store, "t", "r"), { recursive: true });
    writeFileSync(file, JSON.stringify(state));
    expect(readProcess(stranger.pid!)?.startTime).not.toBe("1");

    const result = await cleanupLeftovers(store);
    expect(result).toEqual({ killed: [], files: [file], clockFiles: [], skipped: [] });
    expect(isAlive(stranger.pid!)).toBe(true);
  });

  it("keeps a state file it cannot read, and says why", async () => {
    const store = newStore();
    const file = join(storeStateDir(store), "runs", "broken.json");
    mkdirSync(join(storeStateDir(store), "runs"), { recursive: true });
    writeFileSync(file, JSON.stringify({ hello: "world" }));
    const result = await cleanupLeftovers(store);
    expect(result.files).toEqual([]);
    expect(result.skipped).toEqual([{ file, reason: expect.stringMatching(/is not a Faultline runtime state file of version 1; inspect it/) }]);
    expect(readFileSync(file, "utf8")).toContain("hello");
  });

  it("finds nothing in a store that does not exist", async () => {
    expect(await cleanupLeftovers(join(tmpdir(), "faultline-no-such-store"))).toEqual({ killed: [], files: [], clockFiles: [], skipped: [] });
  });
});
