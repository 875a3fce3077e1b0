import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { encodeFrame } from "../runtime/local/frames.ts";
import { reservePorts } from "../runtime/local/ports.ts";
import { PeerTransport } from "./transport.ts";

const transports: PeerTransport[] = [];
afterEach(async () => {
  for (const transport of transports.splice(0)) await transport.close();
});

/** Free ports below the ephemeral range, so a restarted listener finds its port still free. */
async function freePorts(count: number): Promise<number[]> {
  const reservations = await reservePorts(count);
  await Promise.all(reservations.map((reservation) => reservation.release()));
  return reservations.map((reservation) => reservation.port);
}

function transport(self: string, listenPort: number, peers: { name: string; port: number }[], received: string[], down: string[] = []): PeerTransport {
  const created = new PeerTransport({
    self,
    listenHost: "127.0.0.1",
    listenPort,
    peers: peers.map((peer) => ({ ...peer, host: "127.0.0.1" })),
    onPayload: (payload) => received.push(payload.toString()),
    onPeerDown: (peer) => down.push(peer),
    log: () => undefined,
  });
  transports.push(created);
  return created;
}

async function sendUntilDelivered(from: PeerTransport, to: string, payload: string, received: string[]): Promise<void> {
  for (let attempt = 0; attempt < 200 && !received.includes(payload); attempt++) {
    from.send(to, Buffer.from(payload));
    await sleep(25);
  }
  expect(received).toContain(payload);
}

describe("PeerTransport", () => {
  it("reports a connected peer whose connection closed (its process gone), once per close, and never one it could not reach", async () => {
    const [portA, portB] = await freePorts(2);
    const atB: string[] = [];
    const down: string[] = [];
    const a = transport("a", portA, [{ name: "b", port: portB }], [], down);
    await a.start();
    await sleep(100);
    // b was never up: failed dials are not a peer going down.
    expect(down).toEqual([]);
    const b = transport("b", portB, [], atB);
    await b.start();
    await sendUntilDelivered(a, "b", "hello b", atB);
    await b.close();
    transports.splice(transports.indexOf(b), 1);
    for (let waited = 0; waited < 2000 && down.length === 0; waited += 10) await sleep(10);
    await sleep(100);
    expect(down).toEqual(["b"]);
  });

  it("drops messages while a peer is unreachable, then reconnects and delivers whole payloads", async () => {
    const [portA, portB] = await freePorts(2);
    const atA: string[] = [];
    const atB: string[] = [];
    const a = transport("a", portA, [{ name: "b", port: portB }], atA);
    await a.start();
    expect(a.send("b", Buffer.from("lost"))).toBe(false);

    const b = transport("b", portB, [{ name: "a", port: portA }], atB);
    await b.start();
    await sendUntilDelivered(a, "b", "hello b", atB);
    await sendUntilDelivered(b, "a", "hello a", atA);
    expect(atB).not.toContain("lost");

    // A restarted peer (new process, same port) is found again.
    await b.close();
    transports.splice(transports.indexOf(b), 1);
    const atB2: string[] = [];
    const b2 = transport("b", portB, [{ name: "a", port: portA }], atB2);
    await b2.start();
    await sendUntilDelivered(a, "b", "hello again", atB2);
  });

  it("closes an inbound connection whose framing is broken, without failing the node", async () => {
    const [port] = await freePorts(1);
    const received: string[] = [];
    const logs: string[] = [];
    const server = new PeerTransport({ self: "a", listenHost: "127.0.0.1", listenPort: port, peers: [], onPayload: (p) => received.push(p.toString()), log: (line) => logs.push(line) });
    transports.push(server);
    await server.start();
    const socket = connect(port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    const closed = new Promise((resolve) => socket.once("close", resolve));
    socket.write(encodeFrame(Buffer.from("fine")));
    for (let attempt = 0; attempt < 100 && received.length === 0; attempt++) await sleep(10);
    socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    await closed;
    expect(received).toEqual(["fine"]);
    expect(logs.some((line) => line.includes("frame header announces"))).toBe(true);
    expect(() => server.send("zz", Buffer.from("x"))).toThrow(/no peer named zz/);
  });
});
