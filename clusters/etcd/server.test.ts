// The etcd member's command line: real peer ports for every member (never the local runtime's
// proxy), its own data directory; and the reads option.

import { describe, expect, it } from "vitest";
import type { NodeInfo } from "../runtime/runtime.ts";
import { etcdOptions } from "./options.ts";
import { etcdProcessSpec } from "./server.ts";

const NODES = ["n1", "n2", "n3"];
const INFOS: NodeInfo[] = NODES.map((name, i) => ({ name, host: "127.0.0.1", clientPort: 13000 + i, peerPort: 13100 + i, dataDir: `/data/${name}` }));
const addresses = { node: (name: string) => INFOS.find((info) => info.name === name)! };

function flag(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at < 0 ? undefined : args[at + 1];
}

describe("etcd member command line", () => {
  it("bootstraps a static cluster on the members' real ports", () => {
    const spec = etcdProcessSpec(addresses, NODES, "n2", "faultline-abc");
    expect(spec.command).toBe("etcd");
    expect(flag(spec.args, "--name")).toBe("n2");
    expect(flag(spec.args, "--data-dir")).toBe("/data/n2/etcd");
    expect(flag(spec.args, "--listen-client-urls")).toBe("http://127.0.0.1:13001");
    expect(flag(spec.args, "--listen-peer-urls")).toBe("http://127.0.0.1:13101");
    expect(flag(spec.args, "--initial-cluster")).toBe("n1=http://127.0.0.1:13100,n2=http://127.0.0.1:13101,n3=http://127.0.0.1:13102");
    expect(flag(spec.args, "--initial-cluster-token")).toBe("faultline-abc");
  });
});

describe("etcd options", () => {
  it("reads linearizably unless told otherwise", () => {
    expect(etcdOptions.parse({})).toEqual({ reads: "linearizable" });
    expect(etcdOptions.parse({ reads: "serializable" })).toEqual({ reads: "serializable" });
    expect(() => etcdOptions.parse({ reads: "stale" })).toThrow(/reads must be one of linearizable, serializable, got "stale"/);
  });
});
