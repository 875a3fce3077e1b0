import { describe, expect, it } from "vitest";
import type { NodeState } from "../runtime/runtime.ts";
import { UsageError } from "../../harness/errors.ts";
import { waitUntil } from "./wait.ts";

function runtimeWith(states: Record<string, NodeState>, stderr: Record<string, string> = {}) {
  return {
    state: (node: string) => states[node],
    stderrTail: async (node: string) => stderr[node] ?? "",
  };
}

describe("waitUntil", () => {
  it("returns once the check holds", async () => {
    let calls = 0;
    await waitUntil(runtimeWith({ n1: "running" }), { system: "s", failure: "never", timeoutMs: 1000, pollMs: 1, logs: "the logs", watch: ["n1"] }, async () => ++calls === 3);
    expect(calls).toBe(3);
  });

  it("says what did not happen, and where to look, after the timeout", async () => {
    let seen = 0;
    const wait = waitUntil(runtimeWith({}), { system: "s", failure: () => `no leader (seen ${seen})`, timeoutMs: 20, pollMs: 5, logs: "the nodes' stdout.log" }, async () => {
      seen++;
      return false;
    });
    await expect(wait).rejects.toThrow(/^s: no leader \(seen \d+\) within 20 ms; see the nodes' stdout\.log for why$/);
    // Bad input (a cluster that never became ready), not a harness crash: one line, exit 254.
    await expect(wait).rejects.toBeInstanceOf(UsageError);
  });

  it("ends at once when a watched server exits, quoting the end of its stderr", async () => {
    const runtime = runtimeWith({ n1: "running", n2: "stopped" }, { n2: "line 1\nfailed to execute redis-sentinel: No such file or directory\n" });
    const started = Date.now();
    const wait = waitUntil(runtime, { system: "redis-sentinel", failure: "no replicas", timeoutMs: 30_000, logs: "x", watch: ["n1", "n2"] }, async () => false);
    await expect(wait).rejects.toThrow(/^redis-sentinel: the server on n2 exited while starting \(no replicas\); n2's stderr ends with:\nline 1\nfailed to execute redis-sentinel/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
