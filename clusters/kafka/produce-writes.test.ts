import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ProduceWrites } from "./produce-writes.ts";

// A kafkajs request frame: int32 size, int16 api key, int16 version, int32 correlation id, ….
function frame(apiKey: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeInt16BE(apiKey, 0);
  body.writeInt16BE(7, 2);
  body.writeInt32BE(1, 4);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

let server: Server | undefined;
afterEach(() => server?.close());

describe("produce writes", () => {
  it("counts the Produce requests (api key 0) written to its sockets, not Metadata (3) or Fetch (1), and the bytes still arrive", async () => {
    const received: Buffer[] = [];
    server = createServer((socket) => socket.on("data", (data) => received.push(data)));
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const writes = new ProduceWrites();
    const socket: Socket = await new Promise((resolve) => {
      const s = writes.socketFactory({ host: "127.0.0.1", port, ssl: undefined as never, onConnect: () => resolve(s) });
    });
    socket.write(frame(3));
    expect(writes.count).toBe(0);
    socket.write(frame(0));
    socket.write(frame(1));
    socket.write(frame(0), "binary");
    expect(writes.count).toBe(2);
    await new Promise<void>((resolve) => socket.end(resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(Buffer.concat(received)).toEqual(Buffer.concat([frame(3), frame(0), frame(1), frame(0)]));
  });
});
