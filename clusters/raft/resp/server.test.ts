// The RESP server and per-connection sessions, over real sockets, in front of a single-replica
// backend that applies every write to a state machine at once (the node's replication is tested
// in cluster.test.ts).

import { connect, type Socket } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeLogCommand, isReadCommand, type KvCommand } from "../kv/command.ts";
import { KvStateMachine } from "../kv/state-machine.ts";
import { errorReply, type Reply } from "./reply.ts";
import { RespServer } from "./server.ts";
import type { KvBackend } from "./session.ts";

class ImmediateBackend implements KvBackend {
  readonly machine = new KvStateMachine();
  refuseWrites = false;

  async write(command: KvCommand): Promise<Reply> {
    if (this.refuseWrites) return errorReply("REDIRECT n2 127.0.0.1:1");
    return this.machine.apply(this.machine.appliedIndex + 1, encodeLogCommand({ timeMs: Date.now(), command })) ?? errorReply("ERR no reply");
  }
  async read(command: KvCommand): Promise<Reply> {
    return isReadCommand(command) ? this.machine.read(command, Date.now()) : this.write(command);
  }
  version(key: string): number {
    return this.machine.version(key);
  }
  info(): string {
    return "role:leader\r\n";
  }
  async changeMembership(): Promise<Reply> {
    return errorReply("ERR no membership here");
  }
  /** A clock 90 s ahead, as the clock nemesis would set it: TIME and SET's PX read it. */
  now(): number {
    return Date.now() + 90_000;
  }
}

const backend = new ImmediateBackend();
const server = new RespServer({ host: "127.0.0.1", port: 0, backend, log: () => undefined, limits: { maxBulkBytes: 1024 } });
const clients: Redis[] = [];

beforeAll(async () => {
  await server.start();
});
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await server.close();
});

function client(): Redis {
  const redis = new Redis({ host: "127.0.0.1", port: server.port(), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false });
  redis.on("error", () => undefined);
  clients.push(redis);
  return redis;
}

/** Sends raw bytes and collects everything the server answers until it closes the connection. */
function rawExchange(bytes: string, waitForCloseMs = 5000): Promise<{ answer: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket: Socket = connect(server.port(), "127.0.0.1", () => socket.write(bytes));
    let answer = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ answer, closed: false });
    }, waitForCloseMs);
    socket.on("data", (chunk) => (answer += chunk.toString("latin1")));
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ answer, closed: true });
    });
  });
}

describe("RespServer", () => {
  it("serves ioredis: strings, CAS with the __nil__ marker, counters, lists, binary values", async () => {
    const redis = client();
    await redis.connect();
    expect(await redis.set("k", "v")).toBe("OK");
    expect(await redis.get("k")).toBe("v");
    expect(await redis.set("k", "w", "NX")).toBeNull();
    expect(await redis.call("CAS", "absent", "__nil__", "1")).toBe(1);
    expect(await redis.call("CAS", "absent", "__nil__", "2")).toBe(0);
    expect(await redis.call("CAS", "absent", "1", "2")).toBe(1);
    expect(await redis.incrby("n", 5)).toBe(5);
    expect(await redis.rpush("list", "a", "b")).toBe(2);
    expect(await redis.lrange("list", 0, -1)).toEqual(["a", "b"]);
    const binary = Buffer.from([0, 255, 13, 10, 200]);
    await redis.set("bin", binary);
    expect(await redis.getBuffer("bin")).toEqual(binary);
    expect(await redis.del("k", "nothing")).toBe(1);
    await expect(redis.incrby("list", 1)).rejects.toThrow(/WRONGTYPE/);
    expect(await redis.lpop("list")).toBe("a");
    expect(await redis.lpop("list")).toBe("b");
    expect(await redis.lpop("list")).toBeNull();
    await redis.set("owned", "token-1");
    expect(await redis.call("DELIFEQ", "owned", "token-2")).toBe(0);
    expect(await redis.call("DELIFEQ", "owned", "token-1")).toBe(1);
    expect(await redis.get("owned")).toBeNull();
    await expect(redis.call("NOPE", "x")).rejects.toThrow(/unknown command 'NOPE'/);
  });

  it("runs MULTI/EXEC as one write, and aborts EXEC with a null array when a WATCHed key changed", async () => {
    const redis = client();
    const other = client();
    await redis.connect();
    await other.connect();
    expect(await redis.multi().set("t", "1").incrby("t", 2).get("t").exec()).toEqual([[null, "OK"], [null, 3], [null, "3"]]);

    await redis.watch("t");
    await other.set("t", "changed");
    expect(await redis.multi().set("t", "mine").exec()).toBeNull();
    expect(await redis.get("t")).toBe("changed");

    await redis.watch("t");
    expect(await redis.multi().set("t", "mine").exec()).toEqual([[null, "OK"]]);
  });

  it("discards a transaction with a refused command (EXECABORT)", async () => {
    const { answer } = await rawExchange("MULTI\r\nSET a\r\nEXEC\r\nQUIT\r\n");
    expect(answer).toBe("+OK\r\n-ERR wrong number of arguments for 'set' command\r\n-EXECABORT Transaction discarded because of previous errors.\r\n+OK\r\n");
  });

  it("answers pipelined inline and multibulk commands in order, and closes on QUIT", async () => {
    const { answer, closed } = await rawExchange('PING\r\n*3\r\n$3\r\nSET\r\n$1\r\np\r\n$1\r\n1\r\nGET p\r\nECHO "hi there"\r\nSELECT 0\r\nQUIT\r\nPING\r\n');
    expect(answer).toBe("+PONG\r\n+OK\r\n$1\r\n1\r\n$8\r\nhi there\r\n+OK\r\n+OK\r\n");
    expect(closed).toBe(true);
  });

  it("answers a malformed stream with a protocol error and closes only that connection", async () => {
    const { answer, closed } = await rawExchange("PING\r\n*1\r\n+oops\r\n");
    expect(answer).toBe("+PONG\r\n-ERR Protocol error: expected '$', got '+'\r\n");
    expect(closed).toBe(true);
    const oversized = await rawExchange("*1\r\n$99999\r\n");
    expect(oversized.answer).toMatch(/^-ERR Protocol error: bulk length 99999 exceeds the limit of 1024 bytes\r\n$/);
    // The server is still serving everybody else.
    const redis = client();
    await redis.connect();
    expect(await redis.ping()).toBe("PONG");
  });

  it("passes the backend's REDIRECT through as an error reply", async () => {
    backend.refuseWrites = true;
    try {
      const redis = client();
      await redis.connect();
      await expect(redis.set("x", "1")).rejects.toThrow(/^REDIRECT n2 127\.0\.0\.1:1$/);
    } finally {
      backend.refuseWrites = false;
    }
  });

  it("answers what redis-cli and redis-benchmark ask on connect", async () => {
    const { answer } = await rawExchange("COMMAND DOCS\r\nCONFIG GET save\r\nCLIENT SETNAME bench\r\nCLIENT GETNAME\r\nINFO\r\nQUIT\r\n");
    expect(answer).toBe("*0\r\n*0\r\n+OK\r\n$5\r\nbench\r\n$13\r\nrole:leader\r\n\r\n+OK\r\n");
  });

  it("answers TIME from the node's own clock, as Redis does: seconds and microseconds", async () => {
    const [seconds, micros] = await client().time();
    const nodeMs = Number(seconds) * 1000 + Number(micros) / 1000;
    expect(nodeMs - Date.now()).toBeGreaterThan(89_000);
    expect(nodeMs - Date.now()).toBeLessThan(91_000);
    const { answer } = await rawExchange("TIME extra\r\n");
    expect(answer).toContain("wrong number of arguments for 'time'");
  });
});
