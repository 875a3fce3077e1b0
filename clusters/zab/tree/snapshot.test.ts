import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { OPEN_ACL_UNSAFE, writeAclList } from "../jute/acl.ts";
import { JuteDecodeError } from "../jute/errors.ts";
import type { MultiOp } from "../jute/multi.ts";
import { JuteWriter } from "../jute/writer.ts";
import type { WriteRequest } from "./prepare.ts";
import { decodeTreeSnapshot, encodeTreeSnapshot, treeDigest } from "./snapshot.ts";
import { OTHER_SESSION, SESSION, TreeDriver } from "./tree-driver.fixture.ts";

const acl = [...OPEN_ACL_UNSAFE];
const name = fc.constantFrom("a", "b", "c");
const path = fc.array(name, { minLength: 1, maxLength: 3 }).map((parts) => `/${parts.join("/")}`);
const bytes = fc.uint8Array({ maxLength: 4 });
const version = fc.integer({ min: -1, max: 2 });
const op: fc.Arbitrary<MultiOp> = fc.oneof(
  fc.record({ op: fc.constantFrom("create" as const, "create2" as const), path, data: bytes, acl: fc.constant(acl), flags: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ op: fc.constant("delete" as const), path, version }),
  fc.record({ op: fc.constant("setData" as const), path, data: bytes, version }),
);
const request: fc.Arbitrary<{ request: WriteRequest; session: bigint }> = fc.record({
  request: fc.oneof({ weight: 8, arbitrary: op.filter((o): o is Exclude<MultiOp, { op: "check" }> => o.op !== "check") }, { weight: 2, arbitrary: fc.record({ op: fc.constant("multi" as const), ops: fc.array(op, { maxLength: 3 }) }) }, { weight: 1, arbitrary: fc.constant({ op: "closeSession" as const }) }),
  session: fc.constantFrom(SESSION, OTHER_SESSION),
});

function run(requests: readonly { request: WriteRequest; session: bigint }[]): TreeDriver {
  const driver = new TreeDriver([SESSION, OTHER_SESSION]);
  for (const { request: r, session } of requests) driver.submit(r, session);
  return driver;
}

describe("tree snapshots and digests", () => {
  test("property: the same requests give the same digest; a snapshot restores it exactly", () => {
    fc.assert(
      fc.property(fc.array(request, { maxLength: 40 }), (requests) => {
        const first = run(requests);
        const second = run(requests);
        expect(treeDigest(second.tree)).toBe(treeDigest(first.tree));
        const restored = decodeTreeSnapshot(encodeTreeSnapshot(first.tree));
        expect(treeDigest(restored)).toBe(treeDigest(first.tree));
        expect(restored.lastProcessedZxid).toBe(first.tree.lastProcessedZxid);
        for (const session of [SESSION, OTHER_SESSION]) expect(restored.ephemeralsOf(session)).toEqual(first.tree.ephemeralsOf(session));
      }),
      { numRuns: 150 },
    );
  });

  test("a different tree has a different digest", () => {
    const a = new TreeDriver();
    const b = new TreeDriver();
    a.create("/x", "1");
    b.create("/x", "2");
    expect(treeDigest(a.tree)).not.toBe(treeDigest(b.tree));
  });

  test("malformed snapshots are refused with a decode error", () => {
    const good = encodeTreeSnapshot(new TreeDriver().tree);
    expect(() => decodeTreeSnapshot(good.subarray(0, good.length - 1))).toThrow(JuteDecodeError);
    expect(() => decodeTreeSnapshot(new Uint8Array([0, 0, 0, 9]))).toThrow(/unknown snapshot format 9/);
    // A node whose parent is missing: not a tree.
    const writer = new JuteWriter().int(1).long(0n).vector([], () => undefined);
    writer.vector(["/", "/p/c"], (w, nodePath) => {
      w.string(nodePath).buffer(new Uint8Array(0));
      writeAclList(w, acl);
      w.long(0n).long(0n).long(0n).long(0n).int(0).int(0).int(0).long(0n).long(0n);
    });
    expect(() => decodeTreeSnapshot(writer.finish())).toThrow(/snapshot is not a tree: snapshot holds \/p\/c without its parent/);
  });
});
