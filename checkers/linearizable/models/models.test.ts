import { describe, expect, it } from "vitest";
import { type LinearizableResult, linearizable } from "../check.ts";
import { TestHistory } from "../../../test/support/linearizable-history.ts";
import { casRegister } from "./cas-register.ts";
import type { ModelName } from "./index.ts";
import { kv } from "./kv.ts";
import { mutex } from "./mutex.ts";
import { queue } from "./queue.ts";
import { set } from "./set.ts";

function verdict(model: ModelName, history: TestHistory): LinearizableResult["valid"] {
  return (linearizable({ model }).check(history.ops) as LinearizableResult).valid;
}

describe("cas-register", () => {
  it("an indeterminate cas took effect as a swap, or not at all", () => {
    const swapped = new TestHistory().call(0, "write", 1).invoke(1, "cas", [1, 2]).info(1, "cas").call(2, "read", null, 2);
    expect(verdict("cas-register", swapped)).toBe(true);
    const mismatched = new TestHistory().call(0, "write", 3).invoke(1, "cas", [1, 2]).info(1, "cas").call(2, "read", null, 2);
    expect(verdict("cas-register", mismatched)).toBe(false);
  });

  it("cas from nil works on the initial register", () => {
    expect(verdict("cas-register", new TestHistory().call(0, "cas", [null, 4]).call(0, "read", null, 4))).toBe(true);
  });

  it("describes its operations and states", () => {
    expect(casRegister.describeOperation({ f: "cas", from: null, to: 2 }, undefined)).toBe("cas nil → 2");
    expect(casRegister.describeOperation({ f: "read" }, "x")).toBe('read → "x"');
    expect(casRegister.describeState(null)).toBe("nil");
  });
});

describe("kv", () => {
  it("gets the concatenation of appends since the last put, per key", () => {
    const history = new TestHistory()
      .call(0, "get", null, "", "k")
      .call(0, "append", "a", "a", "k")
      .call(1, "append", "b", "b", "k")
      .call(1, "put", "z", "z", "other")
      .call(2, "get", null, "ab", "k")
      .call(2, "put", "c", "c", "k")
      .call(0, "append", "d", "d", "k")
      .call(0, "get", null, "cd", "k")
      .call(0, "get", null, "z", "other");
    expect(verdict("kv", history)).toBe(true);
  });

  it("rejects appends seen out of order and treats a nil get as an absent key", () => {
    const outOfOrder = new TestHistory().call(0, "append", "a", "a", "k").call(1, "append", "b", "b", "k").call(2, "get", null, "ba", "k");
    expect(verdict("kv", outOfOrder)).toBe(false);
    expect(verdict("kv", new TestHistory().call(0, "get", null, null, "k"))).toBe(true);
  });

  it("drops indeterminate gets, keeps indeterminate appends possible", () => {
    const history = new TestHistory().invoke(0, "get", null, "k").info(0, "get", null, "k").invoke(1, "append", "x", "k").info(1, "append", null, "k").call(2, "get", null, "x", "k");
    expect(verdict("kv", history)).toBe(true);
  });

  it("refuses non-string values", () => {
    expect(() => kv.operation({ index: 3, time: 0, process: 0, type: "invoke", f: "put", value: 5 }, undefined)).toThrow(/op 3 \(put 5\): the kv model cannot interpret it/);
  });
});

describe("set", () => {
  it("a read sees exactly the adds linearized before it", () => {
    const concurrent = new TestHistory().invoke(0, "add", 1).invoke(1, "add", 2).invoke(2, "read").ok(2, "read", [2]).ok(0, "add", 1).ok(1, "add", 2).call(2, "read", null, [2, 1]);
    expect(verdict("set", concurrent)).toBe(true);
    const lost = new TestHistory().call(0, "add", 1).call(1, "add", 2).call(2, "read-all", null, [1]);
    expect(verdict("set", lost)).toBe(false);
    const unrelated = new TestHistory().call(0, "add", 1).call(2, "read", null, [1, 9]);
    expect(verdict("set", unrelated)).toBe(false);
  });

  it("elements appear once, whatever their order, and grow monotonically", () => {
    const history = new TestHistory().call(0, "add", "b").call(0, "add", "a").call(1, "add", "a").call(2, "read", null, ["b", "a", "a"]);
    expect(verdict("set", history)).toBe(true);
    const shrinking = new TestHistory().invoke(0, "add", 1).call(1, "read", null, [1]).call(1, "read", null, []);
    expect(verdict("set", shrinking)).toBe(false);
  });

  it("describes states as EDN sets", () => {
    expect(set.describeState([1, "a"])).toBe('#{1 "a"}');
  });
});

describe("queue", () => {
  it("dequeues in FIFO order", () => {
    const base = () => new TestHistory().call(0, "enqueue", 1).call(0, "enqueue", 2);
    expect(verdict("queue", base().call(1, "dequeue", null, 1).call(1, "dequeue", null, 2).call(1, "dequeue", null, null))).toBe(true);
    expect(verdict("queue", base().call(1, "dequeue", null, 2))).toBe(false);
  });

  it("concurrent enqueues may land in either order", () => {
    const history = new TestHistory().invoke(0, "enqueue", 1).invoke(1, "enqueue", 2).ok(1, "enqueue", 2).ok(0, "enqueue", 1).call(2, "dequeue", null, 2).call(2, "dequeue", null, 1);
    expect(verdict("queue", history)).toBe(true);
  });

  it("an item is delivered once; an indeterminate dequeue may have taken the head", () => {
    const twice = new TestHistory().call(0, "enqueue", 1).call(1, "dequeue", null, 1).call(2, "dequeue", null, 1);
    expect(verdict("queue", twice)).toBe(false);
    const taken = new TestHistory().call(0, "enqueue", 1).call(0, "enqueue", 2).invoke(1, "dequeue").info(1, "dequeue").call(2, "dequeue", null, 2);
    expect(verdict("queue", taken)).toBe(true);
  });

  it("describes items and empty dequeues", () => {
    expect(queue.describeOperation({ f: "dequeue" }, null)).toBe("dequeue → empty");
    expect(queue.describeState([1, 2])).toBe("[1 2]");
  });
});

describe("mutex", () => {
  it("one holder at a time", () => {
    expect(verdict("mutex", new TestHistory().call(0, "acquire", null).call(0, "release", null).call(1, "acquire", null))).toBe(true);
    expect(verdict("mutex", new TestHistory().call(0, "acquire", null).call(1, "acquire", null))).toBe(false);
    expect(verdict("mutex", new TestHistory().call(0, "release", null))).toBe(false);
  });

  it("a failed acquire did not happen; an indeterminate one may not have", () => {
    const contended = new TestHistory().invoke(0, "acquire").invoke(1, "acquire").ok(0, "acquire").fail(1, "acquire").call(0, "release", null);
    expect(verdict("mutex", contended)).toBe(true);
    const lostAcquire = new TestHistory().invoke(0, "acquire").info(0, "acquire").call(1, "acquire", null);
    expect(verdict("mutex", lostAcquire)).toBe(true);
  });

  it("describes held and free", () => {
    expect([mutex.describeState(mutex.init()), mutex.describeOperation("acquire", undefined)]).toEqual(["free", "acquire"]);
  });
});
