import { describe, expect, test } from "vitest";
import { AssertionError } from "../../consensus/assert.ts";
import { makeZxid } from "../core/zxid.ts";
import { ErrorCode } from "../jute/error-codes.ts";
import { CreateFlags } from "../jute/request-records.ts";
import { EventType } from "../jute/watcher-event.ts";
import { DataTree, type ApplyResult } from "./data-tree.ts";
import { OTHER_SESSION, SESSION, TreeDriver } from "./tree-driver.fixture.ts";

const text = new TextEncoder();

function applied(result: ApplyResult | number): ApplyResult {
  if (typeof result === "number") throw new Error(`refused with ${result}`);
  return result;
}

describe("data tree", () => {
  test("a fresh tree holds / and /zookeeper", () => {
    const tree = new DataTree();
    const root = tree.getChildren("/");
    expect(root.ok && root.children).toEqual(["zookeeper"]);
    expect(tree.exists("/zookeeper/quota")?.czxid).toBe(0n);
    expect(tree.lastProcessedZxid).toBe(0n);
  });

  test("create: the new node's full stat, and the parent's cversion and pzxid", () => {
    const driver = new TreeDriver();
    const result = applied(driver.create("/a", "hello"));
    const zxid = driver.lastZxid;
    expect(result.result).toEqual({
      type: "create",
      op: "create",
      path: "/a",
      stat: { czxid: zxid, mzxid: zxid, ctime: 1002n, mtime: 1002n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 5, numChildren: 0, pzxid: zxid },
    });
    const root = driver.tree.exists("/");
    expect(root).toMatchObject({ cversion: 1, numChildren: 2, pzxid: zxid, mzxid: 0n });
  });

  test("setData bumps version, mzxid and mtime; delete moves the parent's pzxid, not its cversion", () => {
    const driver = new TreeDriver();
    driver.create("/a");
    driver.create("/a/b");
    const set = applied(driver.submit({ op: "setData", path: "/a/b", data: text.encode("xyz"), version: 0 }));
    expect(set.result).toMatchObject({ type: "setData", stat: { version: 1, mzxid: driver.lastZxid, mtime: 1004n, dataLength: 3 } });
    applied(driver.submit({ op: "delete", path: "/a/b", version: 1 }));
    expect(driver.tree.exists("/a")).toMatchObject({ cversion: 1, numChildren: 0, pzxid: driver.lastZxid });
    expect(driver.tree.exists("/a/b")).toBeUndefined();
  });

  test("ephemeral nodes belong to their session and go when it closes", () => {
    const driver = new TreeDriver([SESSION, OTHER_SESSION]);
    driver.create("/locks");
    driver.create("/locks/x-", "", CreateFlags.ephemeralSequential);
    driver.create("/locks/x-", "", CreateFlags.ephemeralSequential, OTHER_SESSION);
    driver.create("/mine", "", CreateFlags.ephemeral);
    expect(driver.tree.ephemeralsOf(SESSION)).toEqual(["/locks/x-0000000000", "/mine"]);
    expect(driver.tree.exists("/mine")?.ephemeralOwner).toBe(SESSION);
    applied(driver.submit({ op: "closeSession" }));
    expect(driver.tree.hasSession(SESSION)).toBe(false);
    const locks = driver.tree.getChildren("/locks");
    expect(locks.ok && locks.children).toEqual(["x-0000000001"]);
    expect(driver.tree.exists("/mine")).toBeUndefined();
    // The closed session can do nothing more.
    expect(driver.create("/late")).toBe(ErrorCode.sessionExpired);
  });

  test("watches fire once, with ZooKeeper's event types", () => {
    const driver = new TreeDriver();
    const tree = driver.tree;
    tree.exists("/a", "w1");
    tree.getChildren("/", "w2");
    const created = applied(driver.create("/a"));
    expect(created.events.map(({ watcher, type, path }) => [watcher, type, path])).toEqual([
      ["w1", EventType.nodeCreated, "/a"],
      ["w2", EventType.nodeChildrenChanged, "/"],
    ]);
    expect(created.events.every((event) => event.zxid === driver.lastZxid)).toBe(true);
    // One-shot: the next change tells nobody.
    expect(applied(driver.create("/b")).events).toEqual([]);

    tree.getData("/a", "w1");
    expect(applied(driver.submit({ op: "setData", path: "/a", data: new Uint8Array(0), version: -1 })).events.map((event) => event.type)).toEqual([EventType.nodeDataChanged]);

    tree.getData("/a", "w1");
    tree.getChildren("/a", "w1");
    tree.getChildren("/a", "w3");
    tree.getChildren("/", "w2");
    const deleted = applied(driver.submit({ op: "delete", path: "/a", version: -1 }));
    // w1 watched both data and children of /a: told once. The parent's child watch fires too.
    expect(deleted.events.map(({ watcher, type, path }) => [watcher, type, path])).toEqual([
      ["w1", EventType.nodeDeleted, "/a"],
      ["w3", EventType.nodeDeleted, "/a"],
      ["w2", EventType.nodeChildrenChanged, "/"],
    ]);
    expect(tree.watchesOf("w1")).toEqual({ data: [], child: [] });
  });

  test("a read of a missing node registers no watch, except exists", () => {
    const tree = new DataTree();
    expect(tree.getData("/x", "w")).toEqual({ ok: false, err: ErrorCode.noNode });
    expect(tree.getChildren("/x", "w")).toEqual({ ok: false, err: ErrorCode.noNode });
    expect(tree.exists("/x", "w")).toBeUndefined();
    expect(tree.watchesOf("w")).toEqual({ data: ["/x"], child: [] });
    tree.removeWatcher("w");
    expect(tree.watchesOf("w")).toEqual({ data: [], child: [] });
  });

  test("multi applies all its ops, or none and answers an error for each", () => {
    const driver = new TreeDriver();
    const ok = applied(
      driver.submit({
        op: "multi",
        ops: [
          { op: "create", path: "/m", data: new Uint8Array(0), acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }], flags: 0 },
          { op: "create2", path: "/m/c", data: new Uint8Array(0), acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }], flags: 0 },
          { op: "check", path: "/m", version: 0 },
        ],
      }),
    );
    expect(ok.result.type === "multi" && ok.result.results.map((result) => result.type)).toEqual(["create", "create", "check"]);
    const before = driver.tree.exists("/m");
    const failed = applied(
      driver.submit({
        op: "multi",
        ops: [
          { op: "setData", path: "/m", data: new Uint8Array([1]), version: 0 },
          { op: "delete", path: "/m", version: -1 },
        ],
      }),
    );
    expect(failed.result).toEqual({ type: "multi", results: [{ type: "error", err: ErrorCode.ok }, { type: "error", err: ErrorCode.notEmpty }] });
    expect(driver.tree.exists("/m")).toEqual(before);
    // The failed multi still took its zxid.
    expect(driver.tree.lastProcessedZxid).toBe(driver.lastZxid);
  });

  test("a txn that does not fit (a diverged replica) answers an error and changes nothing", () => {
    const tree = new DataTree();
    const header = { zxid: makeZxid(1, 1), sessionId: 0n, timeMs: 0 };
    const result = tree.apply(header, { type: "create", op: "create", path: "/x/y", data: new Uint8Array(0), acl: [], ephemeralOwner: 0n, parentCversion: 1 });
    expect(result.result).toEqual({ type: "error", err: ErrorCode.noNode });
    expect(tree.nodeCount).toBe(3);
    const multi = tree.apply({ ...header, zxid: makeZxid(1, 2) }, { type: "multi", txns: [{ type: "create", op: "create", path: "/p", data: new Uint8Array(0), acl: [], ephemeralOwner: 0n, parentCversion: 2 }, { type: "delete", path: "/q" }] });
    expect(multi.result).toEqual({ type: "multi", results: [{ type: "error", err: ErrorCode.ok }, { type: "error", err: ErrorCode.noNode }] });
    expect(tree.exists("/p")).toBeUndefined();
  });

  test("txns apply in zxid order only", () => {
    const tree = new DataTree();
    tree.apply({ zxid: makeZxid(2, 1), sessionId: 0n, timeMs: 0 }, { type: "error", err: ErrorCode.noNode });
    expect(() => tree.apply({ zxid: makeZxid(1, 9), sessionId: 0n, timeMs: 0 }, { type: "error", err: ErrorCode.noNode })).toThrow(AssertionError);
  });

  test("a tree whose structure breaks the rules is refused: an ephemeral with a child", () => {
    const node = (ephemeralOwner: bigint) => ({ data: new Uint8Array(0), acl: [], czxid: 0n, mzxid: 0n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner, pzxid: 0n });
    const parts = (owner: bigint) => ({
      lastProcessedZxid: makeZxid(1, 3),
      sessions: [{ sessionId: SESSION, timeoutMs: 10_000 }],
      nodes: [
        { path: "/", node: node(0n) },
        { path: "/e", node: node(owner) },
        { path: "/e/c", node: node(0n) },
      ],
    });
    expect(DataTree.restore(parts(0n)).getChildren("/e")).toEqual(expect.objectContaining({ children: ["c"] }));
    expect(() => DataTree.restore(parts(SESSION))).toThrow(/ephemeral \/e has children/);
  });
});
