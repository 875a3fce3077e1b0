// The quorum core against the seeds' claims (SEEDS.md C11): scenarios of one operation each, then
// seeded simulations (test/support/quorum-simulation.ts) under message loss, reordering, crashes
// and partitions, whose histories go through our linearizability checker.

import { describe, expect, it } from "vitest";
import { linearizable, type LinearizableResult } from "../../../checkers/linearizable/check.ts";
import type { Op } from "../../../harness/op.ts";
import { simulateQuorum, type QuorumSimulationOptions } from "../../../test/support/quorum-simulation.ts";
import { QuorumCore, replicasOf } from "./core.ts";
import { compareTags, NO_TAG, type ClientReply, type CoreConfig, type PeerMessage, type Tag } from "./types.ts";

const NODES = ["n1", "n2", "n3"];
const checker = linearizable({ model: "register", threads: 1, timeLimitMs: 20_000 });

/** Three cores whose messages wait in a queue until the test delivers them. */
function cluster(settings: Partial<CoreConfig> = {}) {
  const cores = new Map(NODES.map((node) => [node, new QuorumCore({ self: node, nodes: NODES, n: 3, w: 2, r: 2, readRepair: false, writeBack: false, timeoutTicks: 5, opPrefix: node, ...settings })]));
  const queue: PeerMessage[] = [];
  const replies: ClientReply[] = [];
  const down = new Set<string>();
  const collect = () => {
    for (const [node, core] of cores) {
      while (core.hasReady()) {
        const ready = core.ready();
        if (down.has(node)) continue;
        queue.push(...ready.messages);
        replies.push(...ready.replies);
      }
    }
  };
  const deliver = (filter: (message: PeerMessage) => boolean = () => true) => {
    for (let index = queue.findIndex(filter); index >= 0; index = queue.findIndex(filter)) {
      const [message] = queue.splice(index, 1);
      if (!down.has(message.to)) cores.get(message.to)?.step(message);
      collect();
    }
  };
  const core = (node: string) => cores.get(node) as QuorumCore;
  return {
    core,
    queue,
    down,
    deliver,
    reply: (requestId: number) => replies.find((reply) => reply.requestId === requestId),
    act(node: string, run: (core: QuorumCore) => void) {
      run(core(node));
      collect();
    },
    tick(count: number) {
      for (let i = 0; i < count; i++) for (const node of NODES) if (!down.has(node)) this.act(node, (c) => c.tick());
    },
  };
}

describe("quorum core", () => {
  it("places n replicas of a key from its slot on", () => {
    expect(replicasOf("reg:0", ["a", "b", "c", "d", "e"], 3)).toEqual(["a", "b", "c"]);
    expect(replicasOf("reg:4", ["a", "b", "c", "d", "e"], 3)).toEqual(["e", "a", "b"]);
  });

  it("a write reaches w replicas, and a read on another node finds it", () => {
    const c = cluster();
    c.act("n1", (core) => core.write(1, "reg:0", 7));
    c.deliver();
    expect(c.reply(1)).toEqual({ requestId: 1, ok: true, value: null });
    c.act("n3", (core) => core.read(2, "reg:0"));
    c.deliver();
    expect(c.reply(2)).toEqual({ requestId: 2, ok: true, value: 7 });
  });

  it("w+r ≤ n: a read of one replica misses a write that reached another (a stale read)", () => {
    const c = cluster({ w: 1, r: 1 });
    c.act("n1", (core) => core.write(1, "reg:0", 7));
    // n1 stored it and acknowledged at once; its stores to n2 and n3 are still in flight.
    expect(c.reply(1)).toMatchObject({ ok: true });
    c.act("n2", (core) => core.read(2, "reg:0"));
    expect(c.reply(2)).toEqual({ requestId: 2, ok: true, value: null });
  });

  it("w+r > n without write-back: a read sees a write in progress, a later read misses it", () => {
    const c = cluster();
    c.act("n1", (core) => core.write(1, "reg:0", 7));
    // The write's tag query completes; its store reaches only n1 itself so far.
    c.deliver((message) => message.type === "query" || message.type === "queryReply");
    expect(c.core("n1").copyOf("reg:0")?.value).toBe(7);
    c.act("n1", (core) => core.read(2, "reg:0"));
    c.deliver((message) => message.type !== "store" || message.op.startsWith("n1.2"));
    expect(c.reply(2)).toMatchObject({ ok: true, value: 7 });
    // n1's clients saw 7; n2 and n3 never heard of it — a read there, after that one, sees nothing.
    c.act("n2", (core) => core.read(3, "reg:0"));
    c.deliver((message) => message.type !== "store" && message.to !== "n1" && message.from !== "n1");
    expect(c.reply(3)).toMatchObject({ ok: true, value: null });
    expect(c.reply(1)).toBeUndefined();
  });

  it("write-back: the read that sees a write in progress first makes it reach w replicas", () => {
    const c = cluster({ writeBack: true });
    c.act("n1", (core) => core.write(1, "reg:0", 7));
    c.deliver((message) => message.type === "query" || message.type === "queryReply");
    // The write's stores to n2 and n3 stay in flight.
    const writeStores = c.queue.filter((message) => message.type === "store");
    c.queue.length = 0;
    c.act("n1", (core) => core.read(2, "reg:0"));
    c.deliver();
    expect(c.reply(2)).toMatchObject({ ok: true, value: 7 });
    expect(NODES.filter((node) => c.core(node).copyOf("reg:0")?.value === 7).length).toBeGreaterThanOrEqual(2);
    c.act("n2", (core) => core.read(3, "reg:0"));
    c.deliver();
    expect(c.reply(3)).toMatchObject({ ok: true, value: 7 });
    c.queue.push(...writeStores);
    c.deliver();
    expect(c.reply(1)).toMatchObject({ ok: true });
  });

  it("read repair sends the newest copy to a replica that answered an older one", () => {
    const c = cluster({ readRepair: true, w: 2, r: 3 });
    c.act("n1", (core) => core.write(1, "reg:0", 7));
    c.deliver((message) => !(message.type === "store" && message.to === "n3"));
    c.queue.length = 0;
    expect(c.core("n3").copyOf("reg:0")).toBeUndefined();
    c.act("n2", (core) => core.read(2, "reg:0"));
    c.deliver();
    expect(c.reply(2)).toMatchObject({ ok: true, value: 7 });
    expect(c.core("n3").copyOf("reg:0")?.value).toBe(7);
    expect(c.core("n2").status().repairs).toBe(1);
  });

  it("write-all read-one: with a replica down writes end unknown (the others keep them), reads go on", () => {
    const c = cluster({ w: 3, r: 1 });
    c.down.add("n3");
    c.act("n1", (core) => core.write(1, "reg:0", 7));
    c.deliver();
    c.tick(6);
    expect(c.reply(1)).toMatchObject({ ok: false, code: "UNKNOWN", reason: expect.stringContaining("2 of the 3 replicas needed (n1, n2, n3) stored the write") });
    c.act("n2", (core) => core.read(2, "reg:0"));
    expect(c.reply(2)).toMatchObject({ ok: true, value: 7 });
  });

  it("an operation that cannot gather its quorum ends NOQUORUM, having written nothing", () => {
    const c = cluster();
    c.down.add("n2");
    c.down.add("n3");
    c.act("n1", (core) => core.write(1, "reg:0", 7));
    c.deliver();
    c.tick(6);
    expect(c.reply(1)).toMatchObject({ ok: false, code: "NOQUORUM" });
    expect(c.core("n1").copyOf("reg:0")).toBeUndefined();
  });

  it("recovers its copies from its log and snapshot", () => {
    const c = cluster();
    c.act("n1", (core) => core.write(1, "reg:0", 7));
    c.deliver();
    const restored = new QuorumCore({ self: "n2", nodes: NODES, n: 3, w: 2, r: 2, readRepair: false, writeBack: false, timeoutTicks: 5, opPrefix: "n2b" }, { snapshot: c.core("n2").snapshot(), records: [] });
    expect(restored.copyOf("reg:0")?.value).toBe(7);
  });
});

/** Reads that missed a write completed before they began: the write's value and what they read. */
function staleReads(history: readonly Op[], tags: Map<number, Tag>): string[] {
  const invokedAt = new Map<number, Op>();
  const done: { invoke: Op; complete: Op }[] = [];
  for (const op of history) {
    if (op.type === "invoke") invokedAt.set(op.process as number, op);
    else if (op.type === "ok") done.push({ invoke: invokedAt.get(op.process as number) as Op, complete: op });
  }
  const tagOf = (value: unknown): Tag => (value === null ? NO_TAG : (tags.get(value as number) ?? NO_TAG));
  const stale: string[] = [];
  for (const read of done.filter((op) => op.complete.f === "read")) {
    for (const write of done.filter((op) => op.complete.f === "write" && op.complete.key === read.complete.key && op.complete.time < read.invoke.time)) {
      if (compareTags(tagOf(read.complete.value), tagOf(write.complete.value)) < 0) {
        stale.push(`read of ${read.complete.key} at ${read.invoke.time} returned ${String(read.complete.value)}, older than ${String(write.complete.value)} written by ${write.complete.time}`);
        break;
      }
    }
  }
  return stale;
}

const SEEDS = Array.from({ length: 60 }, (_, i) => i + 1);
const FAULTS: Omit<QuorumSimulationOptions, "seed" | "n" | "w" | "r"> = { ops: 160, clients: 5, keys: 2, dropRate: 0.05, crashRate: 0.004, partitionRate: 0.004 };

function simulateAll(settings: Omit<QuorumSimulationOptions, "seed">) {
  return SEEDS.map((seed) => {
    const result = simulateQuorum({ seed, ...FAULTS, ...settings });
    return { seed, ...result, stale: staleReads(result.history, result.tags) };
  });
}

describe("quorum core, seeded simulation", () => {
  it("w+r > n: every read meets every write completed before it (quorum intersection), with n of 5 nodes too", () => {
    for (const settings of [{ n: 3, w: 2, r: 2 }, { n: 3, w: 3, r: 1 }, { nodes: 5, n: 5, w: 3, r: 3 }, { nodes: 5, n: 3, w: 2, r: 2 }]) {
      const runs = simulateAll(settings);
      for (const run of runs) expect(run.stale, `seed ${run.seed} ${JSON.stringify(settings)}`).toEqual([]);
      // The simulation did read and write under faults.
      const total = runs.reduce((sum, run) => ({ ok: sum.ok + run.stats.ok, crashes: sum.crashes + run.stats.crashes, partitions: sum.partitions + run.stats.partitions }), { ok: 0, crashes: 0, partitions: 0 });
      expect(total.ok).toBeGreaterThan(SEEDS.length * 80);
      expect(total.crashes).toBeGreaterThan(10);
      expect(total.partitions).toBeGreaterThan(10);
    }
  });

  it("w+r ≤ n: the same simulation finds stale reads", () => {
    const runs = simulateAll({ n: 3, w: 1, r: 1 });
    expect(runs.filter((run) => run.stale.length > 0).length).toBeGreaterThan(SEEDS.length / 4);
  });

  it("write-back with w+r > n: every history is linearizable by our checker", () => {
    for (const settings of [{ n: 3, w: 2, r: 2 }, { nodes: 5, n: 5, w: 3, r: 3 }]) {
      for (const run of simulateAll({ ...settings, writeBack: true })) {
        const result = checker.check(run.history) as LinearizableResult;
        expect(result.valid, `seed ${run.seed} ${JSON.stringify(settings)}: ${JSON.stringify(result.failures[0] ?? result.reason)}`).toBe(true);
      }
    }
  });

  it("without write-back, w+r > n is not linearizable: the checker refutes some histories", () => {
    const runs = simulateAll({ n: 3, w: 2, r: 2 });
    const refuted = runs.filter((run) => checker.check(run.history).valid === false);
    expect(refuted.length).toBeGreaterThan(0);
  });
});
