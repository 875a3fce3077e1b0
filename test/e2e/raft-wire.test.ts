// Our Raft KV node as Redis tools see it: a `faultline up --system raft --nodes 3` cluster in a
// child process, driven from this (separate) process by ioredis, by unmodified redis-cli and
// redis-benchmark (Debian's redis-tools; CI installs them with scripts/install-systems.sh), and by
// raw sockets sending malformed RESP. Ends with Ctrl-C to `faultline up`.

import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RaftUpCluster } from "../../bench/raft-up-cluster.ts";
import { fetchInfo } from "../../clusters/raft/info.ts";
import { createConnection, type Endpoint } from "../../clusters/raft/redis-connection.ts";
import { isAlive, readProcess } from "../../clusters/runtime/local/proc.ts";

const REDIS_TOOLS_HINT = "redis-cli and redis-benchmark come from Debian's redis-tools: run scripts/install-systems.sh (as CI does) or apt-get install redis-tools";

function requireTool(tool: string): void {
  const probe = spawnSync(tool, ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) throw new Error(`${tool} is not installed. ${REDIS_TOOLS_HINT}`);
}

function run(command: string, args: string[], input?: string, timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      if (error && code === null) reject(new Error(`${command} ${args.join(" ")} failed: ${error.message}\n${stderr}`));
      else resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** What one raw connection receives after sending `bytes`, until the server closes it (or 5 s). */
function rawExchange(endpoint: Endpoint, bytes: Buffer): Promise<{ reply: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: endpoint.host, port: endpoint.port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ reply: Buffer.concat(chunks).toString("latin1"), closedByServer: false });
    }, 5000);
    socket.on("connect", () => socket.write(bytes));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("end", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ reply: Buffer.concat(chunks).toString("latin1"), closedByServer: true });
    });
  });
}

function resp(...args: string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join("")}`;
}

describe("raft node over the wire (faultline up, ioredis, redis-cli, redis-benchmark, raw RESP)", () => {
  let dir: string;
  let cluster: RaftUpCluster;
  let leader: Endpoint;
  const clients: Redis[] = [];
  const client = async (endpoint: Endpoint): Promise<Redis> => {
    const redis = createConnection(endpoint, 2000);
    clients.push(redis);
    await redis.connect();
    return redis;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "faultline-raft-wire-"));
    // Elections are not under test here: a longer election timeout (300–600 ms) keeps a CPU-starved
    // machine (npm test runs suites in parallel) from moving the leader under redis-benchmark.
    cluster = await RaftUpCluster.start(dir, { timeoutMs: 45_000, extraArgs: ["--opt", "electionTicks=30"] });
    leader = await cluster.waitHealthy();
  }, 60_000);

  afterAll(async () => {
    for (const redis of clients) redis.disconnect();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 40_000);

  it("serves SET/GET/CAS/RPUSH/LRANGE/MULTI-EXEC to ioredis; a follower redirects to the leader", async () => {
    const follower = cluster.endpoints.find((endpoint) => endpoint.node !== leader.node)!;
    const onFollower = await client(follower);
    await expect(onFollower.set("wire:k", "v")).rejects.toThrow(new RegExp(`^REDIRECT ${leader.node} ${leader.host}:${leader.port}$`));

    const redis = await client(leader);
    expect(await redis.set("wire:k", "v1")).toBe("OK");
    expect(await redis.get("wire:k")).toBe("v1");
    expect(await redis.get("wire:absent")).toBeNull();

    expect(await redis.call("CAS", "wire:c", "__nil__", "1")).toBe(1);
    expect(await redis.call("CAS", "wire:c", "1", "2")).toBe(1);
    expect(await redis.call("CAS", "wire:c", "1", "3")).toBe(0);
    expect(await redis.get("wire:c")).toBe("2");

    expect(await redis.rpush("wire:list", "a", "b")).toBe(2);
    expect(await redis.rpush("wire:list", "c")).toBe(3);
    expect(await redis.lrange("wire:list", 0, -1)).toEqual(["a", "b", "c"]);
    expect(await redis.lrange("wire:list", 1, 1)).toEqual(["b"]);

    const results = await redis.multi().set("wire:m", "x").incr("wire:counter").rpush("wire:list", "d").get("wire:m").exec();
    expect(results).toEqual([
      [null, "OK"],
      [null, 1],
      [null, 4],
      [null, "x"],
    ]);

    // WATCH: another connection's write to a watched key aborts the transaction (null reply).
    const other = await client(leader);
    expect(await redis.watch("wire:watched")).toBe("OK");
    expect(await other.set("wire:watched", "moved")).toBe("OK");
    expect(await redis.multi().set("wire:watched", "mine").exec()).toBeNull();
    expect(await redis.get("wire:watched")).toBe("moved");
  });

  it("answers unmodified redis-cli: a command per invocation, several on stdin, and --pipe", async () => {
    requireTool("redis-cli");
    const cli = (...args: string[]) => ["-h", leader.host, "-p", String(leader.port), ...args];
    expect((await run("redis-cli", cli("SET", "cli:k", "hello world"))).stdout).toBe("OK\n");
    expect((await run("redis-cli", cli("GET", "cli:k"))).stdout).toBe("hello world\n");

    const several = await run("redis-cli", cli(), "SET cli:n 41\nINCR cli:n\nRPUSH cli:l x y\nLRANGE cli:l 0 -1\nGET cli:n\n");
    expect(several.stdout).toBe("OK\n42\n2\nx\ny\n42\n");

    const count = 200;
    let protocol = "";
    for (let i = 0; i < count; i++) protocol += resp("SET", `pipe:${i}`, `value-${i}`);
    const piped = await run("redis-cli", cli("--pipe"), protocol);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout).toContain(`errors: 0, replies: ${count}`);
    const redis = await client(leader);
    expect(await redis.get(`pipe:${count - 1}`)).toBe(`value-${count - 1}`);
  });

  it("completes redis-benchmark with pipelining (-P 16) and no error replies; every SET went through the log", async () => {
    requireTool("redis-benchmark");
    const before = await fetchInfo(leader);
    const result = await run(
      "redis-benchmark",
      ["-h", leader.host, "-p", String(leader.port), "-t", "set,get", "-n", "2000", "-P", "16", "-q"],
      undefined,
      60_000,
    );
    expect(result.code, result.stderr).toBe(0);
    const output = `${result.stdout}\n${result.stderr}`;
    expect(output).not.toMatch(/Error from server/i);
    expect(result.stdout).toMatch(/SET: [\d.]+ requests per second/);
    expect(result.stdout).toMatch(/GET: [\d.]+ requests per second/);
    const after = await fetchInfo(leader);
    // Each acknowledged SET is one log entry (plus the odd no-op of a new term, which never happens
    // without an election; an election would have shown as errors above).
    expect(after!.commitIndex - before!.commitIndex).toBeGreaterThanOrEqual(2000);
  }, 70_000);

  it("answers malformed RESP with -ERR and keeps serving other connections", async () => {
    const pidBefore = (await fetchInfo(leader))!.pid;
    const bystander = await client(leader);
    expect(await bystander.ping()).toBe("PONG");

    const garbage = await rawExchange(leader, Buffer.from([0x2a, 0xff, 0x00, 0x13, 0x37, 0x0d, 0x0a]));
    expect(garbage.reply).toMatch(/^-ERR Protocol error: invalid multibulk length/);
    expect(garbage.closedByServer).toBe(true);

    // Says 3 bytes, sends 4: the byte after the body is not the CRLF the length promised.
    const lie = await rawExchange(leader, Buffer.from("*2\r\n$3\r\nGETX\r\n$1\r\nk\r\n", "latin1"));
    expect(lie.reply).toMatch(/^-ERR Protocol error: bulk string not terminated by CRLF/);
    expect(lie.closedByServer).toBe(true);

    const oversizedArray = await rawExchange(leader, Buffer.from("*999999999999\r\n", "latin1"));
    expect(oversizedArray.reply).toMatch(/^-ERR Protocol error: multibulk length 999999999999 exceeds the limit/);
    expect(oversizedArray.closedByServer).toBe(true);

    const oversizedBulk = await rawExchange(leader, Buffer.from("*1\r\n$99999999999\r\n", "latin1"));
    expect(oversizedBulk.reply).toMatch(/^-ERR Protocol error: bulk length 99999999999 exceeds the limit/);

    // A valid command before the bad bytes is still answered, in order, then the error.
    const mixed = await rawExchange(leader, Buffer.from(`${resp("PING")}*x\r\n`, "latin1"));
    expect(mixed.reply).toMatch(/^\+PONG\r\n-ERR Protocol error: /);

    expect(await bystander.set("wire:after-garbage", "still here")).toBe("OK");
    expect(await bystander.get("wire:after-garbage")).toBe("still here");
    const infoAfter = await fetchInfo(leader);
    expect(infoAfter?.pid).toBe(pidBefore);
    expect(isAlive(pidBefore)).toBe(true);
  });

  it("Ctrl-C: SIGINT to faultline up exits 130 and leaves no node process", async () => {
    const infos = await Promise.all(cluster.endpoints.map((endpoint) => fetchInfo(endpoint)));
    const pids = infos.map((info) => info!.pid);
    expect(new Set(pids).size).toBe(3);
    for (const pid of pids) {
      expect(isAlive(pid)).toBe(true);
      // The pids INFO reports are the processes `faultline up` started, not strangers.
      expect(readProcess(pid)?.parentPid).toBe(cluster.pid);
    }
    for (const redis of clients.splice(0)) redis.disconnect();
    expect(await cluster.stop()).toBe(130);
    for (const pid of pids) expect(isAlive(pid), `node pid ${pid} is still alive after Ctrl-C`).toBe(false);
  }, 40_000);
});
