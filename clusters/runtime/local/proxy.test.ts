// The proxy against sockets in this process: exact counts, timings and orders, fast.
// (local-runtime.test.ts shows the same controls on traffic between real node processes.)

import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { FRAME_HEADER_BYTES, FrameDecoder, encodeFrame } from "./frames.ts";
import { FaultProxy, type ProxyEvent } from "./proxy.ts";
import { sleep, waitFor } from "./testdata/wait.ts";

interface Received {
  seq: number;
  atMs: number;
}

/** A socket end that records every frame it receives (payload = decimal sequence number). */
class Endpoint {
  readonly received: Received[] = [];
  ended = false;
  closed = false;
  private readonly decoder = new FrameDecoder();

  constructor(readonly socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => {
      for (const payload of this.decoder.push(chunk)) this.received.push({ seq: Number(payload.toString()), atMs: performance.now() });
    });
    socket.on("end", () => {
      this.ended = true;
    });
    socket.on("close", () => {
      this.closed = true;
    });
    socket.on("error", () => {});
  }

  send(seq: number): void {
    this.socket.write(encodeFrame(Buffer.from(String(seq))));
  }

  seqs(): number[] {
    return this.received.map((r) => r.seq);
  }
}

/** A stand-in for node B's peer port: remembers each accepted connection as an Endpoint. */
class PeerServer {
  readonly accepted: Endpoint[] = [];
  private readonly server = net.createServer((socket) => this.accepted.push(new Endpoint(socket)));

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen({ host: "127.0.0.1", port: 0 }, resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  close(): Promise<void> {
    for (const endpoint of this.accepted) endpoint.socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A proxy with one relay a→b in front of a PeerServer, and a connected client at a's end. */
async function setUp(options: { seed?: number; reorderHoldMs?: number } = {}) {
  const server = new PeerServer();
  const port = await server.listen();
  const events: ProxyEvent[] = [];
  const proxy = new FaultProxy({ seed: options.seed ?? 1, reorderHoldMs: options.reorderHoldMs, onEvent: (e) => events.push(e) });
  await proxy.addLink({ from: "a", to: "b" }, { host: "127.0.0.1", port });
  await proxy.addLink({ from: "b", to: "a" }, { host: "127.0.0.1", port: 9 });
  cleanups.push(() => server.close(), () => proxy.close());
  const client = await dial(proxy.address("a", "b"));
  const peer = await waitFor("the relay to connect upstream", () => server.accepted[0]);
  return { proxy, server, client, peer, events };
}

async function dial(address: { host: string; port: number }): Promise<Endpoint> {
  const socket = net.connect(address);
  const endpoint = new Endpoint(socket);
  cleanups.push(() => {
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return endpoint;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function inversions(seqs: number[]): number {
  let count = 0;
  for (let i = 1; i < seqs.length; i++) if (seqs[i] < seqs[i - 1]) count++;
  return count;
}

describe("FaultProxy", () => {
  it("relays whole frames in both directions of a connection", async () => {
    const { client, peer, proxy } = await setUp();
    for (const seq of range(50)) client.send(seq);
    for (const seq of range(20)) peer.send(1000 + seq);
    await waitFor("all frames", () => peer.received.length === 50 && client.received.length === 20);
    expect(peer.seqs()).toEqual(range(50));
    expect(client.seqs()).toEqual(range(20).map((s) => 1000 + s));
    expect(proxy.stats("a", "b")).toMatchObject({ received: 50, delivered: 50 });
    // Replies travel on link b→a, even though a dialled.
    expect(proxy.stats("b", "a")).toMatchObject({ received: 20, delivered: 20 });
  });

  it("re-frames a stream written one byte at a time", async () => {
    const { client, peer } = await setUp();
    const bytes = Buffer.concat(range(5).map((s) => encodeFrame(Buffer.from(String(s)))));
    for (const byte of bytes) {
      client.socket.write(Buffer.from([byte]));
      await sleep(1);
    }
    await waitFor("five frames", () => peer.received.length === 5);
    expect(peer.seqs()).toEqual(range(5));
  });

  it("cuts exactly the directions a grudge names, keeps the connection open, and heals", async () => {
    const { client, peer, proxy } = await setUp();
    proxy.partition({ b: ["a"] }); // b cannot hear a: a→b is cut, b→a is not.
    for (const seq of range(10)) client.send(seq);
    for (const seq of range(10)) peer.send(seq);
    await waitFor("b's frames to reach a", () => client.received.length === 10);
    await sleep(100);
    expect(peer.received).toEqual([]);
    expect(proxy.stats("a", "b").droppedByPartition).toBe(10);
    expect(client.closed || peer.closed).toBe(false);

    proxy.partition({ a: ["b"] }); // now only b→a is cut
    client.send(100);
    peer.send(100);
    await waitFor("a's frame to reach b", () => peer.received.length === 1);
    await sleep(100);
    expect(client.received).toHaveLength(10);

    proxy.heal();
    client.send(200);
    peer.send(200);
    await waitFor("both frames after heal", () => peer.received.length === 2 && client.received.length === 11);
    expect(peer.seqs()).toEqual([100, 200]);
    expect(client.seqs().at(-1)).toBe(200);
  });

  it("accepts a node that dials during a partition, carries nothing, and delivers after heal", async () => {
    const { proxy, server } = await setUp();
    proxy.partition({ b: ["a"], a: ["b"] });
    const late = await dial(proxy.address("a", "b"));
    const latePeer = await waitFor("second upstream connection", () => server.accepted[1]);
    late.send(1);
    latePeer.send(2);
    await sleep(150);
    expect(late.received).toEqual([]);
    expect(latePeer.received).toEqual([]);
    proxy.heal();
    late.send(3);
    latePeer.send(4);
    await waitFor("frames after heal", () => latePeer.received.length === 1 && late.received.length === 1);
    expect(latePeer.seqs()).toEqual([3]);
    expect(late.seqs()).toEqual([4]);
  });

  it("drops about the configured fraction, reproducibly from the seed", async () => {
    const runOnce = async (seed: number) => {
      const { client, peer, proxy } = await setUp({ seed });
      proxy.setLinkFaults({ dropFraction: 0.3 }, [{ from: "a", to: "b" }]);
      for (const seq of range(1000)) client.send(seq);
      await waitFor("the relay to read every frame", () => proxy.stats("a", "b").received === 1000);
      await waitFor("every surviving frame", () => peer.received.length === proxy.stats("a", "b").delivered);
      return peer.seqs();
    };
    const first = await runOnce(7);
    const second = await runOnce(7);
    const other = await runOnce(8);
    expect(first.length).toBeGreaterThan(1000 * 0.6);
    expect(first.length).toBeLessThan(1000 * 0.8);
    expect(second).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it("delays every frame at least the configured time and keeps order despite jitter", async () => {
    const { client, peer, proxy } = await setUp();
    proxy.setLinkFaults({ delayMs: 120, jitterMs: 40 });
    const sentAt = new Map<number, number>();
    for (const seq of range(40)) {
      sentAt.set(seq, performance.now());
      client.send(seq);
      await sleep(2);
    }
    await waitFor("40 delayed frames", () => peer.received.length === 40);
    expect(peer.seqs()).toEqual(range(40));
    for (const { seq, atMs } of peer.received) expect(atMs - sentAt.get(seq)!).toBeGreaterThanOrEqual(118);
  });

  it("duplicates about the configured fraction and loses nothing", async () => {
    const { client, peer, proxy } = await setUp();
    proxy.setLinkFaults({ duplicateFraction: 0.5 }, [{ from: "a", to: "b" }]);
    for (const seq of range(400)) client.send(seq);
    await waitFor("the relay to read every frame", () => proxy.stats("a", "b").received === 400);
    await waitFor("every frame and copy", () => peer.received.length === proxy.stats("a", "b").delivered);
    const duplicates = peer.received.length - new Set(peer.seqs()).size;
    expect(new Set(peer.seqs()).size).toBe(400);
    expect(duplicates).toBeGreaterThan(120);
    expect(duplicates).toBeLessThan(280);
  });

  it("reorders frames when asked, delivering each exactly once", async () => {
    const { client, peer, proxy } = await setUp({ reorderHoldMs: 50 });
    proxy.setLinkFaults({ reorderFraction: 0.3 }, [{ from: "a", to: "b" }]);
    for (const seq of range(300)) client.send(seq);
    await waitFor("300 frames", () => peer.received.length === 300);
    expect([...peer.seqs()].sort((x, y) => x - y)).toEqual(range(300));
    expect(inversions(peer.seqs())).toBeGreaterThan(20);
    expect(proxy.stats("a", "b").heldBack).toBeGreaterThan(20);
  });

  it("releases a held-back frame after the hold time when no successor comes", async () => {
    const { client, peer, proxy } = await setUp({ reorderHoldMs: 80 });
    proxy.setLinkFaults({ reorderFraction: 1 }, [{ from: "a", to: "b" }]);
    const sentAt = performance.now();
    client.send(1);
    await waitFor("the held frame", () => peer.received.length === 1);
    expect(peer.received[0].atMs - sentAt).toBeGreaterThanOrEqual(75);
  });

  it("heal releases delayed frames at once", async () => {
    const { client, peer, proxy } = await setUp();
    proxy.setLinkFaults({ delayMs: 60_000 });
    for (const seq of range(5)) client.send(seq);
    await waitFor("frames read by the relay", () => proxy.stats("a", "b").received === 5);
    await sleep(50);
    expect(peer.received).toEqual([]);
    proxy.heal();
    await waitFor("released frames", () => peer.received.length === 5);
    expect(peer.seqs()).toEqual(range(5));
  });

  it("drops frames still in flight when a partition begins", async () => {
    const { client, peer, proxy } = await setUp();
    proxy.setLinkFaults({ delayMs: 300 });
    for (const seq of range(5)) client.send(seq);
    await waitFor("frames read by the relay", () => proxy.stats("a", "b").received === 5);
    proxy.partition({ b: ["a"] });
    await waitFor("the delayed frames to fall due", () => proxy.stats("a", "b").droppedByPartition === 5, 5000);
    expect(peer.received).toEqual([]);
  });

  it("passes a close on only when the link it travels on is open", async () => {
    const { client, peer, proxy } = await setUp();
    proxy.partition({ b: ["a"] });
    client.socket.end();
    await sleep(150);
    expect(peer.ended).toBe(false);
    proxy.heal();
    await waitFor("the close to reach b", () => peer.ended);
  });

  it("closes a client whose upstream node is down, and says so", async () => {
    const { proxy, events } = await setUp();
    // The relay b→a points at port 9 (discard), where nothing listens on loopback.
    const orphan = await dial(proxy.address("b", "a"));
    await waitFor("the client side to close", () => orphan.closed);
    expect(events.some((e) => e.kind === "upstream-unreachable" && e.link.from === "b")).toBe(true);
    await waitFor("the relay to forget the connection", () => proxy.connectionCount("b", "a") === 0);
  });

  it("closes a connection whose sender breaks the framing", async () => {
    const { client, peer, events, proxy } = await setUp();
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.writeUInt32BE(0xffffffff, 0);
    client.socket.write(header);
    await waitFor("both sides closed", () => client.closed && peer.closed);
    expect(events.map((e) => e.kind)).toContain("protocol-error");
    await waitFor("the relay to forget the connection", () => proxy.connectionCount("a", "b") === 0);
  });

  it("passes on a killed node's close and forgets the connection", async () => {
    const { client, peer, proxy } = await setUp();
    peer.socket.destroy(); // what the kernel does to the sockets of a SIGKILLed node
    await waitFor("the dialling side to be closed", () => client.ended || client.closed);
    await waitFor("the relay to forget the connection", () => proxy.connectionCount("a", "b") === 0);
  });

  it("close() releases every socket and listener", async () => {
    const { client, peer, proxy } = await setUp();
    const address = proxy.address("a", "b");
    await proxy.close();
    await waitFor("both sides closed", () => client.closed && peer.closed);
    await expect(dial(address)).rejects.toThrow(/ECONNREFUSED/);
    await proxy.close(); // idempotent
  });

  it("rejects controls that name unknown nodes or links, or impossible faults", async () => {
    const { proxy } = await setUp();
    expect(() => proxy.partition({ c: ["a"] })).toThrow(/unknown node "c" in grudge; known nodes: a, b/);
    expect(() => proxy.partition({ a: ["a"] })).toThrow(/names a itself/);
    expect(() => proxy.setLinkFaults({ dropFraction: 2 })).toThrow(/dropFraction must be a fraction between 0 and 1, got 2/);
    expect(() => proxy.setLinkFaults({ delayMs: -1 })).toThrow(/delayMs must be a non-negative/);
    expect(() => proxy.setLinkFaults({ delayMs: 1 }, [{ from: "a", to: "c" }])).toThrow(/no relay for link a->c/);
  });
});
