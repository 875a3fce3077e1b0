import { describe, expect, it } from "vitest";
import type { NodeState } from "../runtime/runtime.ts";
import { stopServers } from "./stop.ts";

/** A runtime whose servers act on the signals listed for them, and never on others. */
function runtimeWith(states: Record<string, NodeState>, actsOn: Record<string, NodeJS.Signals[]>) {
  const sent: string[] = [];
  const runtime = {
    state: (node: string) => states[node],
    kill: (node: string, signal: NodeJS.Signals = "SIGKILL") => {
      sent.push(`${node} ${signal}`);
      if (signal === "SIGKILL" || actsOn[node]?.includes(signal)) {
        states[node] = "stopped";
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (states[node] === "stopped") {
            clearInterval(poll);
            resolve();
          }
        }, 1);
      });
    },
  };
  return { runtime, sent };
}

describe("stopServers", () => {
  it("sends the product's signal, SIGKILL to a paused server, nothing to a stopped one", async () => {
    const { runtime, sent } = runtimeWith({ n1: "running", n2: "paused", n3: "stopped" }, { n1: ["SIGINT"] });
    await stopServers({ runtime, nodes: ["n1", "n2", "n3"], log: () => {} }, "s", { signal: "SIGINT" });
    expect(sent.sort()).toEqual(["n1 SIGINT", "n2 SIGKILL"]);
  });

  it("sends SIGKILL to a server that declines the signal for the grace period, and says so", async () => {
    const { runtime, sent } = runtimeWith({ n1: "running" }, {});
    const log: string[] = [];
    await stopServers({ runtime, nodes: ["n1"], log: (line) => log.push(line) }, "redis-sentinel", { graceMs: 20 });
    expect(sent).toEqual(["n1 SIGTERM", "n1 SIGKILL"]);
    expect(log).toEqual(["redis-sentinel: n1 did not stop within 20 ms of SIGTERM; sending SIGKILL"]);
  });
});
