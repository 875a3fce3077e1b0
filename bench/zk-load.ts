// The load generator of the ZooKeeper-protocol benches, as a process of its own: ZooKeeper's C
// client (npm `zookeeper`) called directly, one handle per worker, in a closed loop.
//
// Why not through the harness's ZkConnection: that one keeps the C client in a host process
// (clusters/zookeeper/native-host.ts, so an abort of the addon cannot take a run down) and makes
// every call an IPC round trip through this machine's two cores — 40 µs of the bench process and
// about a third of the host's CPU per write, spent by both ensembles' runs alike but a larger
// share of the cheaper one's, so it understated the difference the bench measures. Here the only
// client cost is the C client's own. The bench measures this process's CPU as the client's.
//
// Protocol (IPC): parent → child one LoadRequest; child → parent
//   {kind: "measuring"}             the warm-up is over; the measured window starts now
//   {kind: "done", result}          the measured window's LoadResult
//   {kind: "failed", message}       setup failed (no session, no znode): one line saying why

import { closedLoop, type LoadResult } from "./closed-loop.ts";
import { nativeZooKeeper, type NativeZooKeeper, ZK_ERRORS } from "../clusters/zookeeper/native-client.ts";

export interface LoadRequest {
  /** host:port of each server; worker i's session is on servers[i % servers.length]. */
  servers: string[];
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  valueBytes: number;
}

export type LoadReply = { kind: "measuring" } | { kind: "done"; result: LoadResult } | { kind: "failed"; message: string };

const CONNECT_TIMEOUT_MS = 10_000;
const SESSION_TIMEOUT_MS = 10_000;

function connect(server: string): Promise<NativeZooKeeper> {
  const ZooKeeper = nativeZooKeeper();
  const handle = new ZooKeeper({});
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no session with ${server} within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
    handle.on("connect", () => {
      clearTimeout(timer);
      resolve(handle);
    });
    handle.init({ connect: server, timeout: SESSION_TIMEOUT_MS, debug_level: 0, host_order_deterministic: true });
  });
}

function create(handle: NativeZooKeeper, path: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const rc = handle.a_create(path, data, 0, (code, message) => (code === ZK_ERRORS.OK || code === ZK_ERRORS.NODE_EXISTS ? resolve() : reject(new Error(`create ${path}: ${message} (${code})`))));
    if (rc !== 0) reject(new Error(`create ${path}: not sent (${rc})`));
  });
}

function setData(handle: NativeZooKeeper, path: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const rc = handle.a_set(path, data, -1, (code, message) => (code === ZK_ERRORS.OK ? resolve() : reject(new Error(`setData ${path}: ${message} (${code})`))));
    if (rc !== 0) reject(new Error(`setData ${path}: not sent (${rc})`));
  });
}

async function run(request: LoadRequest): Promise<void> {
  const handles = await Promise.all(Array.from({ length: request.concurrency }, (_, worker) => connect(request.servers[worker % request.servers.length])));
  try {
    const value = Buffer.alloc(request.valueBytes, "v");
    await create(handles[0], "/bench", Buffer.alloc(0));
    for (let worker = 0; worker < request.concurrency; worker++) await create(handles[worker], `/bench/w${worker}`, value);
    const write = (worker: number) => setData(handles[worker], `/bench/w${worker}`, value);
    await closedLoop(request.concurrency, request.warmupMs, write);
    send({ kind: "measuring" });
    send({ kind: "done", result: await closedLoop(request.concurrency, request.durationMs, write) });
  } finally {
    for (const handle of handles) handle.close();
  }
}

function send(reply: LoadReply): void {
  process.send?.(reply);
}

process.once("message", (request: LoadRequest) => {
  run(request).then(
    () => process.disconnect(),
    (error: unknown) => {
      send({ kind: "failed", message: error instanceof Error ? error.message : String(error) });
      process.disconnect();
    },
  );
});
// The bench went away: so does its load.
process.on("disconnect", () => setTimeout(() => process.exit(0), 100).unref());
