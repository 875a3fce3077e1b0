// Where the election port comes from for each runtime layout, and that the zoo.cfg every server
// gets names every member's real quorum and election ports.

import net from "node:net";
import { describe, expect, it } from "vitest";
import type { NodeInfo } from "../runtime/runtime.ts";
import { electionPorts } from "./election-ports.ts";
import { zooConfig } from "./server.ts";

const NODES = ["n1", "n2", "n3"];
const addresses = (infos: NodeInfo[]) => ({ node: (name: string) => infos.find((info) => info.name === name)! });
const info = (name: string, host: string, clientPort: number, peerPort: number, extraPorts?: number[]): NodeInfo => ({
  name,
  host,
  clientPort,
  peerPort,
  dataDir: `/data/${name}`,
  ...(extraPorts ? { extraPorts } : {}),
});

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

describe("zookeeper election ports", () => {
  it("uses the runtime's reserved extra port when every node has one", async () => {
    const infos = NODES.map((name, i) => info(name, "127.0.0.1", 12000 + i, 12100 + i, [12200 + i]));
    const ports = await electionPorts(addresses(infos), NODES);
    expect(NODES.map((node) => ports.port(node))).toEqual([12200, 12201, 12202]);
  });

  it("uses ZooKeeper's well-known 3888 where every node has its own address", async () => {
    const infos = NODES.map((name, i) => info(name, `172.20.0.${i + 2}`, 2181, 2888));
    const ports = await electionPorts(addresses(infos), NODES);
    expect(NODES.map((node) => ports.port(node))).toEqual([3888, 3888, 3888]);
    const clash = [info("n1", "172.20.0.2", 3888, 2888)];
    await expect(electionPorts(addresses(clash), ["n1"])).rejects.toThrow(/uses port 3888 as its client or peer port/);
  });

  it("reserves distinct free ports where nodes share an address, held until released", async () => {
    const infos = NODES.map((name, i) => info(name, "127.0.0.1", 12000 + i, 12100 + i));
    const ports = await electionPorts(addresses(infos), NODES);
    const reserved = NODES.map((node) => ports.port(node));
    expect(new Set(reserved).size).toBe(3);
    expect(await bindable(reserved[0])).toBe(false);
    await ports.release();
    expect(await Promise.all(reserved.map(bindable))).toEqual([true, true, true]);
    expect(() => ports.port("n9")).toThrow(/no election port for unknown node n9/);
  });

  it("writes every member's quorum and election port into each server's zoo.cfg", async () => {
    const infos = NODES.map((name, i) => info(name, "127.0.0.1", 12000 + i, 12100 + i, [12200 + i]));
    const ports = await electionPorts(addresses(infos), NODES);
    const config = zooConfig(addresses(infos), NODES, "n2", ports);
    expect(config).toMatch(/^clientPort=12001$/m);
    expect(config).toMatch(/^dataDir=\/data\/n2\/zookeeper$/m);
    expect(config.match(/^server\.\d=.*$/gm)).toEqual(["server.1=127.0.0.1:12100:12200", "server.2=127.0.0.1:12101:12201", "server.3=127.0.0.1:12102:12202"]);
  });
});
