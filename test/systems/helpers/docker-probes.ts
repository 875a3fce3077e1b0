// What the system tests observe from outside the runtime under test: raw `docker exec` and the
// kernel's own counters, so a test cannot pass because the runtime agreed with itself.

import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import { execCollect } from "../../../clusters/runtime/docker/container-exec.ts";

export function uniqueRunId(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString("hex")}`;
}

export async function sh(docker: Docker, containerName: string, script: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return execCollect(docker, docker.getContainer(containerName), ["bash", "-c", script]);
}

/** Datagrams that reached the UDP layer on a port nobody listens on (Udp NoPorts in /proc/net/snmp).
 *  A packet dropped by the firewall's INPUT chain never gets there. */
export async function udpNoPorts(docker: Docker, containerName: string): Promise<number> {
  const { stdout } = await sh(docker, containerName, "cat /proc/net/snmp");
  const udpLines = stdout.split("\n").filter((line) => line.startsWith("Udp:"));
  const names = udpLines[0].split(/\s+/);
  const values = udpLines[1].split(/\s+/);
  return Number(values[names.indexOf("NoPorts")]);
}

/** How many of `count` UDP datagrams sent by `sender` to `receiverAddress` arrived at the receiver. */
export async function datagramsHeard(
  docker: Docker,
  receiver: string,
  receiverAddress: string,
  sender: string,
  count: number,
): Promise<number> {
  const before = await udpNoPorts(docker, receiver);
  // Port 9 (discard) has no listener in our images, so every delivered datagram counts as NoPorts.
  await sh(docker, sender, `for i in $(seq ${count}); do echo x > /dev/udp/${receiverAddress}/9; done`);
  // Delivery is asynchronous to the sender's write returning; give the receiver a moment.
  await new Promise((r) => setTimeout(r, 150));
  return (await udpNoPorts(docker, receiver)) - before;
}

export interface Member {
  name: string;
  container: string;
  address: string;
}

/** Every directed link that delivers, as "from>to", in one round: member i sends 2^i datagrams to
 *  each other member, so the count each receiver sees is a sum that names exactly its senders. */
export async function hearingMatrix(docker: Docker, members: readonly Member[]): Promise<string[]> {
  if (members.length > 8) throw new Error("hearingMatrix: at most 8 members (weights must stay small)");
  const before = await Promise.all(members.map((m) => udpNoPorts(docker, m.container)));
  await Promise.all(
    members.map((sender, i) => {
      const sends = members
        .filter((receiver) => receiver !== sender)
        .map((receiver) => `for i in $(seq ${2 ** i}); do echo x > /dev/udp/${receiver.address}/9; done`);
      return sh(docker, sender.container, sends.join("; "));
    }),
  );
  await new Promise((r) => setTimeout(r, 150));
  const after = await Promise.all(members.map((m) => udpNoPorts(docker, m.container)));
  const links: string[] = [];
  members.forEach((receiver, r) => {
    const delta = after[r] - before[r];
    let decoded = 0;
    members.forEach((sender, i) => {
      if (sender !== receiver && (delta & (2 ** i)) !== 0) {
        links.push(`${sender.name}>${receiver.name}`);
        decoded += 2 ** i;
      }
    });
    const possible = members.reduce((sum, sender, i) => (sender === receiver ? sum : sum + 2 ** i), 0);
    if (delta !== decoded || delta > possible) throw new Error(`hearingMatrix: ${receiver.name} counted ${delta} datagrams, which no set of senders explains`);
  });
  return links.sort();
}

/** The names of containers and networks that carry this run's label. */
export async function runLeftovers(docker: Docker, runId: string): Promise<{ containers: string[]; networks: string[] }> {
  const filters = JSON.stringify({ label: [`faultline.run=${runId}`] });
  const containers = await docker.listContainers({ all: true, filters });
  const networks = await docker.listNetworks({ filters });
  return { containers: containers.map((c) => c.Names[0]), networks: networks.map((n) => n.Name) };
}
