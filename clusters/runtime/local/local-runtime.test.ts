// The local runtime on three real node processes exchanging frames through the fault proxy.
// Each control is judged on what the nodes themselves logged in a time window opened after the
// control took effect (plus a settling pause for frames already on the wire).

import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalRuntime } from "./local-runtime.ts";
import { isAlive, readProcess } from "./proc.ts";
import { readRunState } from "./run-state.ts";
import { type Heard, NodeLog, echoNodeSpec } from "./testdata/echo-cluster.ts";
import { sleep, waitFor } from "./testdata/wait.ts";

const NODES = ["n1", "n2", "n3"];
/** Frames already relayed when a control changes may still be read by the nodes for a moment. */
const SETTLE_MS = 500;
const WINDOW_MS = 1200;

let base: string;
let runtime: LocalRuntime;
let logs: Record<string, NodeLog>;

/** Directed links on which traffic was seen: a ping from X at Y proves X→Y; a pong from Y at X proves Y→X. */
function observedLinks(heard: Record<string, Heard[]>): Set<string> {
  const links = new Set<string>();
  for (const [node, entries] of Object.entries(heard)) {
    for (const entry of entries) links.add(`${entry.from}->${node}`);
  }
  return links;
}

/** What every node hears during a window that opens SETTLE_MS from now. */
async function window(ms = WINDOW_MS): Promise<Record<string, Heard[]>> {
  await sleep(SETTLE_MS);
  const marks = Object.fromEntries(NODES.map((n) => [n, logs[n].mark()]));
  await sleep(ms);
  return Object.fromEntries(NODES.map((n) => [n, logs[n].heardSince(marks[n])]));
}

function pingSeqs(heard: Heard[], from: string): number[] {
  return heard.filter((h) => h.kind === "ping" && h.from === from).map((h) => h.seq);
}

/** Resolves once `node` hears a ping from `from` written after `offset`. */
function hearsAgain(node: string, from: string, offset: number, timeoutMs = 20_000) {
  return waitFor(`${node} to hear ${from} again`, () => pingSeqs(logs[node].heardSince(offset), from).length > 0, timeoutMs);
}

function allLinks(): string[] {
  return NODES.flatMap((from) => NODES.filter((to) => to !== from).map((to) => `${from}->${to}`));
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), "faultline-local-runtime-"));
  runtime = await LocalRuntime.create({ nodes: NODES, dir: join(base, "nodes"), seed: 42 });
  logs = Object.fromEntries(NODES.map((n) => [n, new NodeLog(runtime, n)]));
  await Promise.all(NODES.map((n) => runtime.start(n, echoNodeSpec(runtime, n))));
  for (const node of NODES) {
    for (const other of NODES.filter((o) => o !== node)) await hearsAgain(node, other, 0, 30_000);
  }
});

afterAll(async () => {
  await runtime?.teardown();
  rmSync(base, { recursive: true, force: true });
});

describe("LocalRuntime on real processes", () => {
  it("gives every node its own ports and data dir, and routes peers through relays", () => {
    const infos = runtime.nodes();
    const ports = infos.flatMap((n) => [n.clientPort, n.peerPort]);
    expect(new Set(ports).size).toBe(6);
    expect(infos.map((n) => n.dataDir)).toEqual(NODES.map((n) => join(base, "nodes", n)));
    const relay = runtime.peerAddress("n1", "n2");
    expect(relay.host).toBe("127.0.0.1");
    expect(ports).not.toContain(relay.port);
    expect(runtime.linkStats("n1", "n2").delivered).toBeGreaterThan(0);
    expect(runtime.linkStats("n2", "n1").delivered).toBeGreaterThan(0);
  });

  it("records every node process in the state file", () => {
    const state = readRunState(runtime.stateFilePath);
    expect(runtime.stateFilePath).toBe(join(base, "runtime-state.json"));
    expect(state.processes.map((p) => p.node).sort()).toEqual(NODES);
    for (const recorded of state.processes) {
      expect(recorded.pid).toBe(runtime.pid(recorded.node));
      expect(recorded.startTime).toBe(readProcess(recorded.pid)?.startTime);
    }
  });

  it("a one-way partition silences exactly the cut direction, replies included", async () => {
    await runtime.partition({ n2: ["n1"] }); // n2 cannot hear n1
    let seen = observedLinks(await window());
    expect(allLinks().filter((l) => !seen.has(l))).toEqual(["n1->n2"]);

    // The other way round: n1's pings still reach n2, but n2's pongs, which travel back on the
    // connection n1 opened, are on link n2→n1 and must vanish — as must n2's own pings.
    await runtime.partition({ n1: ["n2"] });
    const heard = await window();
    seen = observedLinks(heard);
    expect(allLinks().filter((l) => !seen.has(l))).toEqual(["n2->n1"]);
    expect(pingSeqs(heard.n2, "n1").length).toBeGreaterThan(0);
    expect(heard.n1.filter((h) => h.from === "n2")).toEqual([]);

    const mark = logs.n1.mark();
    await runtime.heal();
    await hearsAgain("n1", "n2", mark);
    seen = observedLinks(await window(800));
    expect(allLinks().filter((l) => !seen.has(l))).toEqual([]);
  });

  it("drops about the configured fraction on one link and nothing elsewhere", async () => {
    await runtime.setLinkFaults({ dropFraction: 0.5 }, [{ from: "n1", to: "n2" }]);
    const heard = await window(2000);
    await runtime.heal();
    const lossOf = (seqs: number[]) => {
      const span = Math.max(...seqs) - Math.min(...seqs) + 1;
      return 1 - new Set(seqs).size / span;
    };
    const faulted = pingSeqs(heard.n2, "n1");
    const healthy = pingSeqs(heard.n2, "n3");
    expect(faulted.length).toBeGreaterThan(10);
    expect(lossOf(faulted)).toBeGreaterThan(0.2);
    expect(lossOf(faulted)).toBeLessThan(0.8);
    expect(lossOf(healthy)).toBe(0);
  });

  it("delays frames on one link by at least the configured time, in order", async () => {
    await runtime.setLinkFaults({ delayMs: 150, jitterMs: 30 }, [{ from: "n1", to: "n3" }]);
    const heard = await window();
    await runtime.heal();
    const delayed = heard.n3.filter((h) => h.kind === "ping" && h.from === "n1");
    expect(delayed.length).toBeGreaterThan(10);
    for (const h of delayed) expect(h.latencyMs).toBeGreaterThanOrEqual(145);
    const seqs = delayed.map((h) => h.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const undelayed = heard.n3.filter((h) => h.kind === "ping" && h.from === "n2").map((h) => h.latencyMs).sort((a, b) => a - b);
    expect(undelayed[Math.floor(undelayed.length / 2)]).toBeLessThan(100);
  });

  it("duplicates and reorders frames observably", async () => {
    await runtime.setLinkFaults({ duplicateFraction: 0.3 }, [{ from: "n1", to: "n2" }]);
    const duplicated = pingSeqs((await window()).n2, "n1");
    expect(duplicated.length - new Set(duplicated).size).toBeGreaterThan(3);

    await runtime.setLinkFaults({ reorderFraction: 0.3 }, [{ from: "n1", to: "n2" }]);
    const reordered = pingSeqs((await window()).n2, "n1");
    await runtime.heal();
    const inversions = reordered.filter((seq, i) => i > 0 && seq < reordered[i - 1]).length;
    expect(inversions).toBeGreaterThan(3);
    expect(new Set(reordered).size).toBe(reordered.length);
  });

  it("SIGKILL stops a node's traffic, restart brings it back", async () => {
    const oldPid = runtime.pid("n3")!;
    await runtime.kill("n3");
    expect(runtime.state("n3")).toBe("stopped");
    expect(runtime.pid("n3")).toBeUndefined();
    expect(isAlive(oldPid)).toBe(false);
    expect(readRunState(runtime.stateFilePath).processes.map((p) => p.node)).not.toContain("n3");

    const heard = await window();
    expect(heard.n1.filter((h) => h.from === "n3")).toEqual([]);
    expect(heard.n2.filter((h) => h.from === "n3")).toEqual([]);

    const mark = { n1: logs.n1.mark(), n3: logs.n3.mark() };
    await runtime.restart("n3");
    expect(runtime.state("n3")).toBe("running");
    expect(runtime.pid("n3")).not.toBe(oldPid);
    await hearsAgain("n1", "n3", mark.n1);
    await hearsAgain("n3", "n1", mark.n3);
  });

  it("SIGSTOP silences a node until SIGCONT", async () => {
    await runtime.pause("n2");
    expect(runtime.state("n2")).toBe("paused");
    expect(readProcess(runtime.pid("n2")!)?.state).toBe("T");
    const heard = await window();
    expect(heard.n1.filter((h) => h.from === "n2")).toEqual([]);
    expect(heard.n3.filter((h) => h.from === "n2")).toEqual([]);

    const mark = logs.n1.mark();
    await runtime.resume("n2");
    expect(runtime.state("n2")).toBe("running");
    await hearsAgain("n1", "n2", mark);
  });

  it("kill with SIGTERM reaches a paused node", async () => {
    await runtime.pause("n1");
    await runtime.kill("n1", "SIGTERM");
    expect(runtime.state("n1")).toBe("stopped");
    const mark = logs.n2.mark();
    await runtime.restart("n1");
    await hearsAgain("n2", "n1", mark);
  });

  it("refuses to start a running node, or to act on an unknown one", async () => {
    await expect(runtime.start("n1", echoNodeSpec(runtime, "n1"))).rejects.toThrow(/node n1 is already running \(pid \d+\); kill it before/);
    await expect(runtime.pause("n4")).rejects.toThrow(/unknown node "n4"; this runtime has nodes n1, n2, n3/);
  });

  it("exec runs a command in the node's data directory", async () => {
    const result = await runtime.exec("n1", "sh", ["-c", 'pwd; echo "$FAULTLINE_NODE" >&2; exit 3']);
    expect(result).toEqual({ exitCode: 3, stdout: `${runtime.node("n1").dataDir}\n`, stderr: "n1\n" });
    const killed = await runtime.exec("n1", "sh", ["-c", "kill -9 $$"]);
    expect(killed.exitCode).toBe(137);
    await expect(runtime.exec("n1", "/no/such/command", [])).rejects.toThrow(/exec on node n1: could not run \/no\/such\/command/);
  });

  it("collects every node's logs", async () => {
    const target = join(base, "collected");
    await runtime.collectLogs(target);
    for (const node of NODES) {
      expect(readdirSync(join(target, node)).sort()).toEqual(["stderr.log", "stdout.log"]);
      expect(readFileSync(join(target, node, "stdout.log"), "utf8")).toContain("ready");
    }
  });

  it("teardown leaves no process, relay or state file behind, and is idempotent", async () => {
    const pids = NODES.map((n) => runtime.pid(n)!);
    const relay = runtime.peerAddress("n1", "n2");
    const statePath = runtime.stateFilePath;
    await Promise.all([runtime.teardown(), runtime.teardown()]);
    for (const pid of pids) {
      expect(isAlive(pid)).toBe(false);
      expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    }
    expect(NODES.map((n) => runtime.state(n))).toEqual(["stopped", "stopped", "stopped"]);
    expect(existsSync(statePath)).toBe(false);
    await expect(
      new Promise((resolve, reject) => net.connect(relay).once("connect", resolve).once("error", reject)),
    ).rejects.toThrow(/ECONNREFUSED/);
    await runtime.teardown();
    await expect(runtime.restart("n1")).rejects.toThrow(/torn down/);
    await expect(runtime.partition({})).rejects.toThrow(/torn down/);
  });
});

describe("LocalRuntime.create and start", () => {
  it("rejects node names that cannot name a directory, and duplicates", async () => {
    await expect(LocalRuntime.create({ nodes: ["../x"], dir: tmpdir(), seed: 1 })).rejects.toThrow(/node name "..\/x" is not allowed/);
    await expect(LocalRuntime.create({ nodes: ["a", "a"], dir: tmpdir(), seed: 1 })).rejects.toThrow(/"a" appears twice/);
  });

  it("reports a command that cannot start, records nothing, and writes the state file under stateDir", async () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-local-runtime-"));
    const local = await LocalRuntime.create({ nodes: ["a", "b"], dir: join(dir, "nodes"), seed: 1, stateDir: join(dir, ".faultline") });
    try {
      expect(local.stateFilePath).toMatch(new RegExp(`^${join(dir, ".faultline", "runs")}/[0-9a-f-]{36}\\.json$`));
      await expect(local.start("a", { command: "/no/such/server", args: [] })).rejects.toThrow(/could not start node a: \/no\/such\/server/);
      expect(local.state("a")).toBe("stopped");
      expect(readRunState(local.stateFilePath).processes).toEqual([]);
      await expect(local.restart("b")).rejects.toThrow(/cannot restart node b: it was never started/);
    } finally {
      await local.teardown();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
