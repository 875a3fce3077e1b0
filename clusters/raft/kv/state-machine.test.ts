import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { array, bulk, integer, NULL_BULK, OK, type Reply } from "../resp/reply.ts";
import { encodeLogCommand, type KvCommand } from "./command.ts";
import { KvStateMachine } from "./state-machine.ts";

/** Applies commands as consecutive log entries and returns their replies. */
function applyAll(machine: KvStateMachine, commands: KvCommand[], timeMs = 1_000): (Reply | undefined)[] {
  return commands.map((command) => machine.apply(machine.appliedIndex + 1, encodeLogCommand({ timeMs, command })));
}

describe("KvStateMachine", () => {
  it("executes string, counter and list commands with Redis's replies", () => {
    const machine = new KvStateMachine();
    expect(
      applyAll(machine, [
        { op: "set", key: "a", value: "1" },
        { op: "get", key: "a" },
        { op: "incrby", key: "a", delta: 41 },
        { op: "incrby", key: "fresh", delta: -2 },
        { op: "rpush", key: "l", values: ["x", "y", "z"] },
        { op: "lrange", key: "l", start: 0, stop: -1 },
        { op: "lrange", key: "l", start: -2, stop: 10 },
        { op: "get", key: "l" },
        { op: "incrby", key: "l", delta: 1 },
        { op: "del", keys: ["a", "l", "missing"] },
        { op: "get", key: "a" },
      ]),
    ).toEqual([
      OK,
      bulk("1"),
      integer(42),
      integer(-2),
      integer(3),
      array([bulk("x"), bulk("y"), bulk("z")]),
      array([bulk("y"), bulk("z")]),
      { kind: "error", message: expect.stringMatching(/^WRONGTYPE/) },
      { kind: "error", message: expect.stringMatching(/^WRONGTYPE/) },
      integer(2),
      NULL_BULK,
    ]);
  });

  it("compares and sets, with null standing for an absent key", () => {
    const machine = new KvStateMachine();
    expect(
      applyAll(machine, [
        { op: "cas", key: "r", expected: "1", value: "2" },
        { op: "cas", key: "r", expected: null, value: "1" },
        { op: "cas", key: "r", expected: null, value: "9" },
        { op: "cas", key: "r", expected: "1", value: "2" },
        { op: "get", key: "r" },
      ]),
    ).toEqual([integer(0), integer(1), integer(0), integer(1), bulk("2")]);
  });

  it("pops lists from the front, removing a list with its last element", () => {
    const machine = new KvStateMachine();
    applyAll(machine, [{ op: "rpush", key: "q", values: ["1", "2"] }]);
    const before = machine.version("q");
    expect(
      applyAll(machine, [
        { op: "lpop", key: "q" },
        { op: "lpop", key: "q" },
        { op: "lpop", key: "q" },
        { op: "lpop", key: "missing" },
        { op: "set", key: "s", value: "v" },
        { op: "lpop", key: "s" },
      ]),
    ).toEqual([bulk("1"), bulk("2"), NULL_BULK, NULL_BULK, OK, { kind: "error", message: expect.stringMatching(/^WRONGTYPE/) }]);
    expect(machine.read({ op: "lrange", key: "q", start: 0, stop: -1 }, 0)).toEqual(array([]));
    // The emptied list is gone, yet its version moved: a WATCH on it notices.
    expect(machine.version("q")).toBe(before + 2);
    expect(machine.snapshot().toString("utf8")).not.toMatch(/"q",\{/);
  });

  it("deletes a key only when it holds the given value (DELIFEQ)", () => {
    const machine = new KvStateMachine();
    applyAll(machine, [{ op: "set", key: "lock", value: "a" }]);
    const version = machine.version("lock");
    expect(
      applyAll(machine, [
        { op: "delifeq", key: "lock", value: "b" },
        { op: "delifeq", key: "missing", value: "a" },
        { op: "rpush", key: "l", values: ["a"] },
        { op: "delifeq", key: "l", value: "a" },
        { op: "delifeq", key: "lock", value: "a" },
        { op: "get", key: "lock" },
      ]),
    ).toEqual([integer(0), integer(0), integer(1), { kind: "error", message: expect.stringMatching(/^WRONGTYPE/) }, integer(1), NULL_BULK]);
    // A refused DELIFEQ left the key's version alone; only the delete moved it.
    expect(machine.version("lock")).toBe(version + 5);
  });

  it("honours SET NX/XX and judges expiry by the entries' time, not the local clock", () => {
    const machine = new KvStateMachine();
    expect(applyAll(machine, [{ op: "set", key: "lock", value: "me", condition: "nx", expireAtMs: 1_500 }], 1_000)).toEqual([OK]);
    expect(applyAll(machine, [{ op: "set", key: "lock", value: "you", condition: "nx" }], 1_400)).toEqual([NULL_BULK]);
    expect(applyAll(machine, [{ op: "set", key: "other", value: "v", condition: "xx" }], 1_400)).toEqual([NULL_BULK]);
    expect(applyAll(machine, [{ op: "set", key: "lock", value: "you", condition: "nx" }], 1_500)).toEqual([OK]);
    expect(machine.read({ op: "get", key: "lock" }, 0)).toEqual(bulk("you"));
  });

  it("applies a MULTI entry as a whole and aborts it, changing nothing, when a watched key moved", () => {
    const machine = new KvStateMachine();
    applyAll(machine, [{ op: "set", key: "x", value: "1" }]);
    const watchedVersion = machine.version("x");
    expect(watchedVersion).toBe(1);
    const transaction: KvCommand = {
      op: "multi",
      watches: [{ key: "x", version: watchedVersion }],
      commands: [
        { op: "incrby", key: "x", delta: 1 },
        { op: "rpush", key: "log", values: ["incremented"] },
        { op: "get", key: "x" },
      ],
    };
    expect(applyAll(machine, [transaction])).toEqual([array([integer(2), integer(1), bulk("2")])]);
    // The same transaction again: x moved (at index 2) since version 1 was recorded.
    expect(applyAll(machine, [transaction])).toEqual([array(null)]);
    expect(machine.read({ op: "get", key: "x" }, 0)).toEqual(bulk("2"));
    expect(machine.read({ op: "lrange", key: "log", start: 0, stop: -1 }, 0)).toEqual(array([bulk("incremented")]));
  });

  it("notices a watched key that was deleted and re-created (no ABA)", () => {
    const machine = new KvStateMachine();
    applyAll(machine, [{ op: "set", key: "k", value: "v" }]);
    const version = machine.version("k");
    applyAll(machine, [{ op: "del", keys: ["k"] }, { op: "set", key: "k", value: "v" }]);
    expect(applyAll(machine, [{ op: "multi", watches: [{ key: "k", version }], commands: [{ op: "del", keys: ["k"] }] }])).toEqual([array(null)]);
  });

  it("applies each index once, skips no-op entries, and refuses gaps", () => {
    const machine = new KvStateMachine();
    const entry = encodeLogCommand({ timeMs: 1, command: { op: "incrby", key: "n", delta: 1 } });
    expect(machine.apply(1, entry)).toEqual(integer(1));
    expect(machine.apply(1, entry)).toBeUndefined();
    expect(machine.apply(2, new Uint8Array())).toBeUndefined();
    expect(machine.appliedIndex).toBe(2);
    expect(() => machine.apply(4, entry)).toThrow(/in order without gaps/);
    expect(machine.read({ op: "get", key: "n" }, 0)).toEqual(bulk("1"));
  });

  const command: fc.Arbitrary<KvCommand> = fc.oneof(
    fc.record({ op: fc.constant("set" as const), key: fc.constantFrom("a", "b", "c"), value: fc.string({ maxLength: 3 }) }),
    fc.record({ op: fc.constant("incrby" as const), key: fc.constantFrom("a", "n"), delta: fc.integer({ min: -5, max: 5 }) }),
    fc.record({ op: fc.constant("rpush" as const), key: fc.constantFrom("l", "b"), values: fc.array(fc.string({ maxLength: 2 }), { minLength: 1, maxLength: 3 }) }),
    fc.record({ op: fc.constant("del" as const), keys: fc.subarray(["a", "b", "c", "l", "n"]) }),
    fc.record({ op: fc.constant("cas" as const), key: fc.constantFrom("a", "c"), expected: fc.option(fc.string({ maxLength: 3 })), value: fc.string({ maxLength: 3 }) }),
    fc.record({ op: fc.constant("lpop" as const), key: fc.constantFrom("l", "b") }),
    fc.record({ op: fc.constant("delifeq" as const), key: fc.constantFrom("a", "c"), value: fc.string({ maxLength: 3 }) }),
  );

  it("round-trips through a snapshot: same bytes on every replica, and the restored copy continues identically", () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 30 }), fc.array(command, { maxLength: 10 }), (before, after) => {
        const first = new KvStateMachine();
        const second = new KvStateMachine();
        applyAll(first, before);
        applyAll(second, before);
        const image = first.snapshot();
        expect(second.snapshot().equals(image)).toBe(true);

        const restored = new KvStateMachine();
        restored.restore(image);
        expect(restored.appliedIndex).toBe(first.appliedIndex);
        expect(applyAll(restored, after)).toEqual(applyAll(first, after));
        expect(restored.snapshot().equals(first.snapshot())).toBe(true);
      }),
    );
  });
});
