// The npm package `zookeeper` is ZooKeeper's C client compiled into a native addon by the
// package's install script, which npm 11+ runs only because package.json's allowScripts names it.
// If the addon was not built (scripts blocked, no compiler), this fails here, first, with the
// fix in the message — not deep inside a system test.

import { describe, expect, it } from "vitest";
import { nativeZooKeeper, ZK_ERRORS } from "./native-client.ts";
import { ZkConnection } from "./connection.ts";

describe("the zookeeper native addon", () => {
  it("loads and offers the calls the clients use", () => {
    const ZooKeeper = nativeZooKeeper();
    const handle = new ZooKeeper({});
    for (const method of ["init", "close", "a_create", "a_exists", "aw_exists", "a_get", "aw_get", "a_get_children", "aw_get_children", "a_get_children2", "a_set", "a_delete_", "a_sync"] as const) {
      expect(typeof handle[method], method).toBe("function");
    }
  });

  it("a handle to a port nobody listens on stays unconnected, and a call on a closed handle is refused at once", async () => {
    const connection = new ZkConnection("127.0.0.1", 1, { sessionTimeoutMs: 2000 });
    expect(await connection.waitConnected(300)).toBe(false);
    expect(connection.connected).toBe(false);
    connection.close();
    await expect(connection.getData("/")).rejects.toMatchObject({ code: ZK_ERRORS.INVALID_STATE });
  });
});
