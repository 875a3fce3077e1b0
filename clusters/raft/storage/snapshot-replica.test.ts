import { afterEach, describe, expect, it } from "vitest";
import { encodeLogCommand } from "../kv/command.ts";
import { KvStateMachine } from "../kv/state-machine.ts";
import { SnapshotReplica } from "./snapshot-replica.ts";

const EMPTY = new Uint8Array(0);
let replica: SnapshotReplica | undefined;

afterEach(async () => {
  await replica?.close();
  replica = undefined;
});

function entries(from: number, to: number): { index: number; data: Uint8Array }[] {
  const out: { index: number; data: Uint8Array }[] = [];
  for (let index = from; index <= to; index++) {
    // Every fifth entry is a no-op (empty data), as a new leader's first entry is.
    const data = index % 5 === 0 ? EMPTY : encodeLogCommand({ timeMs: 1_000 + index, command: index % 3 === 0 ? { op: "rpush", key: "list", values: [`i${index}`] } : { op: "set", key: `k${index % 17}`, value: `v${index}` } });
    out.push({ index, data });
  }
  return out;
}

function applyAll(machine: KvStateMachine, batch: { index: number; data: Uint8Array }[]): void {
  for (const { index, data } of batch) machine.apply(index, data);
}

describe("SnapshotReplica", () => {
  it("takes, in a worker thread, the same image the node's own state machine would", async () => {
    const node = new KvStateMachine();
    applyAll(node, entries(1, 40));
    const failures: Error[] = [];
    replica = SnapshotReplica.start(node.snapshot(), (error) => failures.push(error));

    const later = entries(41, 120);
    applyAll(node, later);
    replica.apply(later.slice(0, 30));
    replica.apply(later.slice(30));
    expect(Buffer.from(await replica.snapshot(120)).equals(node.snapshot())).toBe(true);

    // Installing a leader's snapshot replaces both copies; entries continue after it.
    const leader = new KvStateMachine();
    applyAll(leader, entries(1, 200));
    const image = leader.snapshot();
    node.restore(image);
    replica.restore(image);
    const after = entries(201, 230);
    applyAll(node, after);
    replica.apply(after);
    expect(Buffer.from(await replica.snapshot(230)).equals(node.snapshot())).toBe(true);
    expect(failures).toEqual([]);
  });

  it("fails loudly when the copy has diverged from the node (a gap, or a snapshot at the wrong index)", async () => {
    const node = new KvStateMachine();
    applyAll(node, entries(1, 10));
    const failures: Error[] = [];
    replica = SnapshotReplica.start(node.snapshot(), (error) => failures.push(error));
    await expect(replica.snapshot(11)).rejects.toThrow(/asked for a snapshot at index 11 but the copy has applied up to 10/);
    expect(failures).toHaveLength(1);
    await expect(replica.snapshot(10)).rejects.toThrow(/applied up to 10/);

    const gapped = SnapshotReplica.start(node.snapshot(), (error) => failures.push(error));
    try {
      gapped.apply(entries(12, 12));
      await expect(gapped.snapshot(12)).rejects.toThrow(/apply entry 12 after 10/);
    } finally {
      await gapped.close();
    }
  });
});
