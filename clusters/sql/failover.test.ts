// The failover controller against a scripted cluster: what each node answers is set by the test,
// what the controller did is read back from the calls it made.
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { FailoverController, type NodeReplication, type ReplicationOps } from "./failover.ts";

class ScriptedCluster implements ReplicationOps {
  readonly system = "test";
  readonly calls: string[] = [];
  readonly answers = new Map<string, NodeReplication | undefined>();
  constructor(readonly rewinds = false) {}

  async probe(node: string): Promise<NodeReplication | undefined> {
    return this.answers.get(node);
  }
  async promote(node: string): Promise<void> {
    this.calls.push(`promote ${node}`);
    const before = this.answers.get(node);
    this.answers.set(node, { role: "primary", position: before?.position ?? 0, receiving: false });
  }
  async follow(node: string, primary: string): Promise<void> {
    this.calls.push(`follow ${node} ${primary}`);
  }
  async fence(node: string): Promise<void> {
    this.calls.push(`fence ${node}`);
  }
  async resume(node: string): Promise<void> {
    this.calls.push(`resume ${node}`);
  }
}

const NODES = ["n1", "n2", "n3"];
const controllers: FailoverController[] = [];
afterEach(async () => {
  await Promise.all(controllers.splice(0).map((controller) => controller.stop()));
});

function healthy(cluster: ScriptedCluster): void {
  cluster.answers.set("n1", { role: "primary", position: 100, receiving: false });
  cluster.answers.set("n2", { role: "replica", position: 98, receiving: true });
  cluster.answers.set("n3", { role: "replica", position: 99, receiving: true });
}

function start(cluster: ScriptedCluster, log: string[] = []): FailoverController {
  const controller = new FailoverController(NODES, "n1", cluster, { failoverAfterMs: 60, pollMs: 10, log: (line) => log.push(line) });
  controllers.push(controller);
  controller.start();
  return controller;
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not reached within 2 s");
    await sleep(5);
  }
}

describe("the failover controller", () => {
  it("leaves a healthy cluster alone", async () => {
    const cluster = new ScriptedCluster();
    healthy(cluster);
    const controller = start(cluster);
    await sleep(150);
    expect(cluster.calls).toEqual([]);
    expect(controller.primary).toBe("n1");
    expect(controller.replicas).toEqual(["n2", "n3"]);
  });

  it("promotes the most advanced replica once the primary stops answering for failoverAfterMs, and repoints the other", async () => {
    const cluster = new ScriptedCluster();
    healthy(cluster);
    const log: string[] = [];
    const controller = start(cluster, log);
    cluster.answers.set("n1", undefined);
    await until(() => controller.primary !== "n1");
    expect(controller.primary).toBe("n3");
    expect(cluster.calls).toEqual(["promote n3", "follow n2 n3"]);
    expect(controller.standingOf("n1")).toBe("left out");
    expect(log.join("\n")).toMatch(/the primary does not answer \(n1\) for 60 ms; promoting n3 at position 99 \(n2 98, n3 99\)/);
  });

  it("takes a primary no replica is connected to as lost, and fences it since it still answers", async () => {
    const cluster = new ScriptedCluster();
    healthy(cluster);
    const controller = start(cluster);
    cluster.answers.set("n2", { role: "replica", position: 98, receiving: false });
    cluster.answers.set("n3", { role: "replica", position: 99, receiving: false });
    await until(() => cluster.calls.includes("fence n1"));
    expect(controller.primary).toBe("n3");
    expect(cluster.calls).toEqual(["promote n3", "fence n1", "follow n2 n3"]);
  });

  it("does not fail over for a blip shorter than failoverAfterMs", async () => {
    const cluster = new ScriptedCluster();
    healthy(cluster);
    start(cluster);
    cluster.answers.set("n1", undefined);
    await sleep(25);
    healthy(cluster);
    await sleep(150);
    expect(cluster.calls).toEqual([]);
  });

  it("lets a left-out node rejoin only if it holds nothing past the fork; a diverged one stays out", async () => {
    const cluster = new ScriptedCluster();
    healthy(cluster);
    const controller = start(cluster);
    cluster.answers.set("n1", undefined);
    await until(() => controller.primary === "n3");
    // n1 comes back having written past position 99, where n3's line began.
    cluster.answers.set("n1", { role: "primary", position: 104, receiving: false });
    await controller.rejoin("n1");
    expect(controller.standingOf("n1")).toBe("diverged");
    expect(cluster.calls.at(-1)).toBe("fence n1");
    expect(controller.replicas).toEqual(["n2"]);
  });

  it("lets every left-out node rejoin where the database rewinds it (pg_rewind)", async () => {
    const cluster = new ScriptedCluster(true);
    healthy(cluster);
    const controller = start(cluster);
    cluster.answers.set("n1", undefined);
    await until(() => controller.primary === "n3");
    cluster.answers.set("n1", { role: "primary", position: 104, receiving: false });
    await controller.rejoin("n1");
    expect(controller.standingOf("n1")).toBe("replica");
    expect(cluster.calls.at(-1)).toBe("follow n1 n3");
  });

  it("lets the current primary take writes again when its server restarts", async () => {
    const cluster = new ScriptedCluster();
    healthy(cluster);
    const controller = start(cluster);
    await controller.rejoin("n1");
    expect(cluster.calls).toEqual(["resume n1"]);
  });

  it("waits, saying so, when the primary is lost and no replica answers", async () => {
    const cluster = new ScriptedCluster();
    healthy(cluster);
    const log: string[] = [];
    const controller = start(cluster, log);
    for (const node of NODES) cluster.answers.set(node, undefined);
    await until(() => log.some((line) => /no replica answers; waiting/.test(line)));
    expect(controller.primary).toBe("n1");
    expect(cluster.calls).toEqual([]);
  });
});
