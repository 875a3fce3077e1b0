// Ctrl-C in the middle of a run: the harness tears the cluster down (no node process survives),
// exits 130, and the history it streamed so far is a valid input to `faultline check`.

import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { isAlive } from "../../clusters/runtime/local/proc.ts";
import type { RunState } from "../../clusters/runtime/local/run-state.ts";
import { faultline, spawnFaultline } from "../support/cli.ts";

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

describe("SIGINT during a run", () => {
  it("leaves no node process behind and a history that faultline check reads", async () => {
    const store = mkdtempSync(join(tmpdir(), "faultline-sigint-"));
    const child = spawnFaultline(["run", "--system", "raft", "--nodes", "3", "--nemesis", "partition", "--nemesis-interval", "1", "--time", "60", "--store", store]);
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    let stderr = "";
    child.stderr?.on("data", (chunk) => (stderr += chunk));

    // Wait until the cluster is up and ops are flowing, and learn the node pids from the state file.
    const runsDir = join(store, ".faultline", "runs");
    const state = await waitFor("the run's state file with 3 node processes", () => {
      if (!existsSync(runsDir)) return undefined;
      for (const file of readdirSync(runsDir)) {
        const parsed = JSON.parse(readFileSync(join(runsDir, file), "utf8")) as RunState;
        if (parsed.processes.length >= 3) return parsed;
      }
      return undefined;
    }, 60_000);
    const historyPath = await waitFor("history entries", () => {
      const latest = join(store, "latest", "history.jsonl");
      return existsSync(latest) && readFileSync(latest, "utf8").split("\n").length > 50 ? latest : undefined;
    }, 60_000);
    const pids = state.processes.map((p) => p.pid);
    expect(pids.some(isAlive)).toBe(true);

    child.kill("SIGINT");
    expect(await exited, stderr).toBe(130);
    for (const pid of pids) expect(isAlive(pid), `node pid ${pid} still alive`).toBe(false);

    const check = await faultline(["check", historyPath, "--workload", "register", "--json"]);
    expect([0, 1, 2], check.stderr).toContain(check.code);
    const results = JSON.parse(check.stdout) as { operations: number };
    expect(results.operations).toBeGreaterThan(0);
  }, 150_000);
});
