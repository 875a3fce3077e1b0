// The member nemesis on a real etcd cluster (Debian's etcd-server, local runtime): members leave
// through MemberRemove and come back empty through MemberAdd; MemberList, asked of each running
// member, reports the same configuration, and the cluster serves throughout.

import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../harness/rng.ts";
import { etcdSystem } from "../clusters/etcd/system.ts";
import { connectToMember } from "../clusters/etcd/connection.ts";
import { LocalSystem } from "../test/support/local-system.ts";
import { memberNemesis } from "./member.ts";
import type { NemesisContext } from "./nemesis.ts";

const NODES = ["n1", "n2", "n3", "n4"];
const installed = existsSync("/usr/bin/etcd");
const local = new LocalSystem(etcdSystem, NODES, 6);
let ctx: NemesisContext;

beforeAll(async () => {
  if (!installed) return;
  await local.start();
  ctx = { ...local.ctx, system: etcdSystem, rng: new Rng(6) };
});

afterAll(async () => {
  if (installed) await local.stop();
});

/** MemberList as each running member answers it: node → names, sorted. */
async function listsByMember(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const node of NODES) {
    if (local.runtime.state(node) !== "running") continue;
    const info = local.runtime.node(node);
    const etcd = connectToMember(info.host, info.clientPort);
    try {
      const answer = await etcd.cluster.memberList({ linearizable: true }, { deadline: new Date(Date.now() + 3000) });
      out[node] = answer.members.map((member) => member.name).sort().join(",");
    } finally {
      etcd.close();
    }
  }
  return out;
}

describe.runIf(installed)("member nemesis on a real etcd cluster", () => {
  it("removes a member through the member API and adds it back empty; every member reports the same list", async () => {
    const nemesis = memberNemesis();
    const removed = await nemesis.invoke(ctx, { process: "nemesis", f: "remove-member", value: "remove" });
    console.log(JSON.stringify(removed.value));
    const node = (removed.value as { node: string }).node;
    const remaining = NODES.filter((other) => other !== node).join(",");
    expect((removed.value as { members: string[] }).members.join(",")).toBe(remaining);
    expect(local.runtime.state(node)).toBe("stopped");
    expect(Object.values(await listsByMember())).toEqual([remaining, remaining, remaining]);

    const added = await nemesis.invoke(ctx, { process: "nemesis", f: "add-member", value: null });
    console.log(JSON.stringify(added.value));
    expect(added.value).toMatchObject({ nodes: [node], members: NODES });
    local.recordPids();
    const lists = await listsByMember();
    expect(Object.keys(lists).sort()).toEqual(NODES);
    expect(new Set(Object.values(lists))).toEqual(new Set([NODES.join(",")]));
  });
});
