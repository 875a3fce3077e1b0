import { describe, expect, it } from "vitest";
import { HEAP_ALLOCATOR } from "./arena.ts";
import { EdgeBuffer, RW } from "./edges.ts";
import { InferenceScaffold, type MicroOpGrammar, StateReaders, readBeforeOwnWrite, sameStateUpdates } from "./inference-scaffold.ts";
import { APPEND, READ, WRITE } from "./micro-ops.ts";
import { collectTxns } from "./txns.ts";
import { concurrent, concurrentTxns, mops } from "../../test/support/elle-histories.ts";

const REGISTER: MicroOpGrammar = { workload: "rw-register", forms: "[w k v] and [r k v]", accepts: (kind) => kind === READ || kind === WRITE };

const scaffoldOf = (shorthands: string[]) => new InferenceScaffold(collectTxns(concurrentTxns(shorthands, "rw-register")), HEAP_ALLOCATOR, REGISTER);

describe("inference scaffold", () => {
  it("describes a transaction's micro-ops by key id and kind", () => {
    const s = scaffoldOf(["wx1ry2rx1"]);
    expect(s.describeTxn(0)).toBe(3);
    expect([...s.mopKey.subarray(0, 3)]).toEqual([0, 1, 0]);
    expect([...s.mopKind.subarray(0, 3)]).toEqual([WRITE, READ, READ]);
    expect(s.repeatsKey(3)).toBe(true);
    expect(s.repeatsKey(2)).toBe(false);
    expect(s.isFirstAccess(1)).toBe(true);
    expect(s.isFirstAccess(2)).toBe(false);
    expect(s.followedBy(0, 3, READ)).toBe(true);
    expect(s.followedBy(0, 3, WRITE)).toBe(false);
    expect(s.fatal).toBe(false);
  });

  it("stops at the first micro-op the grammar rejects, reports it and makes the inference fatal", () => {
    const h = concurrent([{ process: 0, value: [...mops("wx1"), ["append", "y", 2], ...mops("rx1")] as never }]);
    const s = new InferenceScaffold(collectTxns(h), HEAP_ALLOCATOR, REGISTER);
    expect(s.describeTxn(0)).toBe(1);
    expect(s.fatal).toBe(true);
    expect(s.anomalies.get("unexpected-txn-micro-op-types")).toEqual([
      expect.objectContaining({ mop: ["append", "y", 2], explanation: 'rw-register transactions hold only [w k v] and [r k v]; got ["append","y",2]' }),
    ]);
  });

  it("records each (key, value) write once and names the earlier write of a repeated one", () => {
    const s = scaffoldOf(["wx1", "wx1"]);
    expect(s.writes.record(0, 0, 0, 1)).toBe(-1);
    expect(s.writes.record(1, 0, 0, 1)).toBe(0);
    expect(s.writes.record(1, 1, 0, 1)).toBe(-1);
    expect(s.writes.count).toBe(2);
    expect(s.writes.value(s.txns, 1)).toBe(1);
    s.writes.markIntermediate(0);
    expect([s.writes.isIntermediate(0), s.writes.isIntermediate(1)]).toEqual([true, false]);
  });

  it("finds a read that already holds what its own transaction writes later", () => {
    const s = scaffoldOf(["rx1wy2wx1"]);
    s.describeTxn(0);
    expect(readBeforeOwnWrite(s, 0, WRITE, (read, write) => read[2] === write[2])).toEqual([["r", "x", 1], ["w", "x", 1]]);
    expect(readBeforeOwnWrite(s, 0, APPEND, () => true)).toBeUndefined();
  });

  it("buckets readers by the state they observed and adds an edge from each to the next writer", () => {
    const s = scaffoldOf(["rx", "rx", "ry", "rx"]);
    for (let t = 0; t < 4; t++) s.reads.push(t, 0, 0, null);
    const readers = new StateReaders(3, Int32Array.from([0, 0, -1, 2]), s.reads, HEAP_ALLOCATOR);
    expect([readers.count(0), readers.count(1), readers.count(2)]).toEqual([2, 0, 1]);
    const edges = new EdgeBuffer(4);
    readers.addEdgesTo(edges, 0, 9, RW);
    expect([...edges.from.subarray(0, edges.length)]).toEqual([0, 1]);
    expect([...edges.to.subarray(0, edges.length)]).toEqual([9, 9]);
  });

  it("groups updates that read the same state of the same key, leaving out unknown states", () => {
    const s = scaffoldOf(["rx", "rx", "ry", "rx", "rx"]);
    for (let t = 0; t < 5; t++) s.updates.push(s.reads.push(t, 0, t === 2 ? 1 : 0, null));
    expect(sameStateUpdates(s, Int32Array.from([7, 7, 7, -1, 7]))).toEqual([[0, 1, 4]]);
  });
});

