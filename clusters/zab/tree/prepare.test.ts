import { describe, expect, test } from "vitest";
import { OPEN_ACL_UNSAFE } from "../jute/acl.ts";
import { ErrorCode } from "../jute/error-codes.ts";
import { CreateFlags } from "../jute/request-records.ts";
import { DataTree } from "./data-tree.ts";
import { prepare } from "./prepare.ts";
import { OTHER_SESSION, SESSION, TreeDriver } from "./tree-driver.fixture.ts";

const data = new Uint8Array([1]);
const acl = [...OPEN_ACL_UNSAFE];

describe("prepare: requests become txns or errors", () => {
  test("create: the txn names the final path, the owner and the parent's next cversion", () => {
    const driver = new TreeDriver();
    expect(prepare(driver.tree, { op: "create", path: "/a", data, acl, flags: 0 }, SESSION)).toEqual({
      ok: true,
      txn: { type: "create", op: "create", path: "/a", data, acl, ephemeralOwner: 0n, parentCversion: 1 },
    });
    const ephemeral = prepare(driver.tree, { op: "create2", path: "/e", data, acl, flags: CreateFlags.ephemeral }, SESSION);
    expect(ephemeral.ok && ephemeral.txn.type === "create" && ephemeral.txn.ephemeralOwner).toBe(SESSION);
  });

  test("sequential names come from the parent's cversion", () => {
    const driver = new TreeDriver();
    driver.create("/q");
    driver.create("/q/x");
    driver.create("/q/y");
    const prepared = prepare(driver.tree, { op: "create", path: "/q/item-", data, acl, flags: CreateFlags.persistentSequential }, SESSION);
    expect(prepared.ok && prepared.txn.type === "create" && prepared.txn.path).toBe("/q/item-0000000002");
    // A trailing slash is allowed for a sequential node: the suffix is the whole name.
    const bare = prepare(driver.tree, { op: "create", path: "/q/", data, acl, flags: CreateFlags.ephemeralSequential }, SESSION);
    expect(bare.ok && bare.txn.type === "create" && bare.txn.path).toBe("/q/0000000002");
  });

  test("create errors, in ZooKeeper's order", () => {
    const driver = new TreeDriver();
    driver.create("/e", "", CreateFlags.ephemeral);
    const create = (path: string, flags = 0, createAcl = acl) => prepare(driver.tree, { op: "create", path, data, acl: createAcl, flags }, SESSION);
    expect(create("/a", CreateFlags.container)).toEqual({ ok: false, err: ErrorCode.badArguments });
    expect(create("a")).toEqual({ ok: false, err: ErrorCode.badArguments });
    expect(create("/a/")).toEqual({ ok: false, err: ErrorCode.badArguments });
    expect(create("/a", 0, [])).toEqual({ ok: false, err: ErrorCode.invalidACL });
    expect(create("/missing/a")).toEqual({ ok: false, err: ErrorCode.noNode });
    expect(create("/e")).toEqual({ ok: false, err: ErrorCode.nodeExists });
    expect(create("/")).toEqual({ ok: false, err: ErrorCode.nodeExists });
    expect(create("/e/child")).toEqual({ ok: false, err: ErrorCode.noChildrenForEphemerals });
  });

  test("delete and setData check versions; -1 is any", () => {
    const driver = new TreeDriver();
    driver.create("/a");
    driver.create("/a/b");
    expect(prepare(driver.tree, { op: "delete", path: "/a", version: -1 }, SESSION)).toEqual({ ok: false, err: ErrorCode.notEmpty });
    expect(prepare(driver.tree, { op: "delete", path: "/a/b", version: 1 }, SESSION)).toEqual({ ok: false, err: ErrorCode.badVersion });
    expect(prepare(driver.tree, { op: "delete", path: "/a/b", version: 0 }, SESSION)).toEqual({ ok: true, txn: { type: "delete", path: "/a/b" } });
    expect(prepare(driver.tree, { op: "delete", path: "/nope", version: -1 }, SESSION)).toEqual({ ok: false, err: ErrorCode.noNode });
    expect(prepare(driver.tree, { op: "delete", path: "/", version: -1 }, SESSION)).toEqual({ ok: false, err: ErrorCode.badArguments });
    expect(prepare(driver.tree, { op: "setData", path: "/a", data, version: 3 }, SESSION)).toEqual({ ok: false, err: ErrorCode.badVersion });
    expect(prepare(driver.tree, { op: "setData", path: "/a", data, version: 0 }, SESSION)).toEqual({ ok: true, txn: { type: "setData", path: "/a", data, version: 1 } });
    expect(prepare(driver.tree, { op: "setData", path: "/nope", data, version: -1 }, SESSION)).toEqual({ ok: false, err: ErrorCode.noNode });
  });

  test("writes need a live session", () => {
    const tree = new DataTree();
    expect(prepare(tree, { op: "create", path: "/a", data, acl, flags: 0 }, OTHER_SESSION)).toEqual({ ok: false, err: ErrorCode.sessionExpired });
    expect(prepare(tree, { op: "closeSession" }, OTHER_SESSION)).toEqual({ ok: false, err: ErrorCode.sessionExpired });
    expect(prepare(tree, { op: "createSession", sessionId: OTHER_SESSION, timeoutMs: 5000 }, 0n)).toEqual({ ok: true, txn: { type: "createSession", sessionId: OTHER_SESSION, timeoutMs: 5000 } });
  });

  test("multi: later ops see earlier ones; a failure fails every op", () => {
    const driver = new TreeDriver();
    const ok = prepare(
      driver.tree,
      {
        op: "multi",
        ops: [
          { op: "create", path: "/m", data, acl, flags: 0 },
          { op: "create", path: "/m/s-", data, acl, flags: CreateFlags.persistentSequential },
          { op: "create", path: "/m/s-", data, acl, flags: CreateFlags.persistentSequential },
          { op: "setData", path: "/m", data, version: 0 },
          { op: "check", path: "/m", version: 1 },
        ],
      },
      SESSION,
    );
    expect(ok.ok && ok.txn.type === "multi" && ok.txn.txns.map((txn) => (txn.type === "create" ? txn.path : txn.type))).toEqual(["/m", "/m/s-0000000000", "/m/s-0000000001", "setData", "check"]);

    const failed = prepare(
      driver.tree,
      {
        op: "multi",
        ops: [
          { op: "create", path: "/m", data, acl, flags: 0 },
          { op: "delete", path: "/m", version: 5 },
          { op: "create", path: "/n", data, acl, flags: 0 },
        ],
      },
      SESSION,
    );
    expect(failed).toEqual({
      ok: true,
      txn: {
        type: "multi",
        txns: [
          { type: "error", err: ErrorCode.ok },
          { type: "error", err: ErrorCode.badVersion },
          { type: "error", err: ErrorCode.runtimeInconsistency },
        ],
      },
    });
    // Validation did not touch the tree.
    expect(driver.tree.node("/m")).toBeUndefined();
  });
});
