import { describe, expect, test } from "vitest";
import { AssertionError } from "../../consensus/assert.ts";
import { LearnerHandler } from "./learner-handler.ts";
import { makeZxid } from "./zxid.ts";

describe("learner handler (the leader's view of one learner)", () => {
  test("stages move forward one at a time", () => {
    const handler = new LearnerHandler(2, false, 11, 99, 2, 4);
    expect(handler.link.connection).toBe(99);
    expect(handler.forwarding).toBe(false);
    handler.advanceTo("epoch-sent");
    expect(() => handler.advanceTo("syncing")).toThrow(AssertionError);
    handler.advanceTo("epoch-acked");
    handler.advanceTo("syncing");
    expect(handler.forwarding).toBe(true);
    expect(() => handler.advanceTo("epoch-acked")).toThrow(AssertionError);
  });

  test("acknowledgements count only once NEWLEADER is acknowledged, and only go up", () => {
    const handler = new LearnerHandler(2, false, 11, 99, 2, 4);
    expect(() => handler.acknowledge(makeZxid(1, 1))).toThrow(/before NEWLEADER/);
    for (const stage of ["epoch-sent", "epoch-acked", "syncing", "synced"] as const) handler.advanceTo(stage);
    handler.acknowledge(makeZxid(1, 3));
    handler.acknowledge(makeZxid(1, 2));
    expect(handler.acknowledged).toBe(makeZxid(1, 3));
  });
});
