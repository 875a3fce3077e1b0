import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { OPEN_ACL_UNSAFE } from "../jute/acl.ts";
import { CreateFlags } from "../jute/request-records.ts";
import { makeZxid } from "../core/zxid.ts";
import { DataTree } from "./data-tree.ts";
import { prepare } from "./prepare.ts";
import { SESSION, TreeDriver } from "./tree-driver.fixture.ts";
import { ChangeOverlay } from "./view.ts";

const acl = [...OPEN_ACL_UNSAFE];
const data = new Uint8Array(0);

describe("change overlay: the tree as outstanding txns will leave it", () => {
  test("a leader prepares several writes before applying any, and each sees the ones before", () => {
    const driver = new TreeDriver();
    driver.create("/q");
    const overlay = new ChangeOverlay(driver.tree);
    const zxids = [makeZxid(1, 10), makeZxid(1, 11), makeZxid(1, 12)];
    const paths: string[] = [];
    for (const zxid of zxids) {
      const prepared = prepare(overlay, { op: "create", path: "/q/n-", data, acl, flags: CreateFlags.persistentSequential }, SESSION);
      if (!prepared.ok || prepared.txn.type !== "create") throw new Error("refused");
      paths.push(prepared.txn.path);
      overlay.record(prepared.txn, zxid);
    }
    expect(paths).toEqual(["/q/n-0000000000", "/q/n-0000000001", "/q/n-0000000002"]);
    expect(overlay.node("/q")).toMatchObject({ cversion: 3, numChildren: 3 });
    expect(driver.tree.node("/q")).toMatchObject({ cversion: 0, numChildren: 0 });
    // Once the tree has applied the first two, their records go; the third stays.
    overlay.forgetUpTo(zxids[1]);
    expect(overlay.node("/q/n-0000000001")).toBeUndefined();
    expect(overlay.node("/q/n-0000000002")).toBeDefined();
  });

  test("deletes, data versions and sessions", () => {
    const driver = new TreeDriver();
    driver.create("/a");
    driver.create("/e", "", CreateFlags.ephemeral);
    const overlay = new ChangeOverlay(driver.tree);
    overlay.record({ type: "setData", path: "/a", data, version: 1 }, makeZxid(1, 20));
    expect(overlay.node("/a")?.version).toBe(1);
    overlay.record({ type: "delete", path: "/a" }, makeZxid(1, 21));
    expect(overlay.node("/a")).toBeUndefined();
    expect(overlay.node("/")?.numChildren).toBe(driver.tree.node("/")!.numChildren - 1);
    overlay.record({ type: "closeSession", sessionId: SESSION }, makeZxid(1, 22));
    expect(overlay.hasSession(SESSION)).toBe(false);
    expect(overlay.node("/e")).toBeUndefined();
    expect(overlay.ephemeralsOf(SESSION)).toEqual([]);
    expect(driver.tree.ephemeralsOf(SESSION)).toEqual(["/e"]);
  });
});

describe("change overlay, property", () => {
  test("prepared all at once against an overlay, writes become the same txns as one at a time", () => {
    const name = fc.constantFrom("a", "b");
    const path = fc.array(name, { minLength: 1, maxLength: 3 }).map((parts) => `/${parts.join("/")}`);
    const write = fc.oneof(
      fc.record({ op: fc.constant("create" as const), path, data: fc.constant(data), acl: fc.constant(acl), flags: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ op: fc.constant("delete" as const), path, version: fc.integer({ min: -1, max: 1 }) }),
      fc.record({ op: fc.constant("setData" as const), path, data: fc.constant(data), version: fc.integer({ min: -1, max: 1 }) }),
    );
    fc.assert(
      fc.property(fc.array(write, { maxLength: 30 }), (writes) => {
        const oneByOne = new TreeDriver();
        const sequential = writes.map((request) => {
          const prepared = prepare(oneByOne.tree, request, SESSION);
          oneByOne.submit(request);
          return prepared;
        });
        const pipelined = new TreeDriver();
        const overlay = new ChangeOverlay(pipelined.tree);
        const batch = writes.map((request, i) => {
          const prepared = prepare(overlay, request, SESSION);
          if (prepared.ok) overlay.record(prepared.txn, makeZxid(2, i + 1));
          return prepared;
        });
        expect(batch).toEqual(sequential);
        const tree = new DataTree();
        tree.apply({ zxid: makeZxid(1, 1), sessionId: 0n, timeMs: 0 }, { type: "createSession", sessionId: SESSION, timeoutMs: 4000 });
        batch.forEach((prepared, i) => {
          if (prepared.ok) tree.apply({ zxid: makeZxid(2, i + 1), sessionId: SESSION, timeMs: 0 }, prepared.txn);
        });
        overlay.forgetUpTo(makeZxid(2, writes.length));
        expect(overlay.size).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
