// The child process that runs ZooKeeper's C client (native-client.ts) for the harness.
//
// Why a process of its own: the addon of npm `zookeeper` 7.3 can abort the whole process from
// libuv (`uv_poll_start: Assertion '!uv__is_closing(handle)' failed`, seen once in four 30 s runs
// under partition, kill and pause, while servers close and refuse connections). An abort in the
// harness would lose the run; here it loses only the client sessions, which the harness sees as
// connections lost and reopens (native-rpc.ts starts a new host).
//
// Protocol (IPC with advanced serialization, so Buffers pass as they are):
//   parent → host  {kind: "open", connection, host, port, timeoutMs, session?}
//                  {kind: "call", id, connection, method, args}     a NativeZooKeeper a_/aw_ method
//                  {kind: "close", connection}
//   host → parent  {kind: "state", connection, state, session?, timeoutMs?}
//                  {kind: "done", id, results}                       the completion's arguments
//                  {kind: "watch", connection, id, type}             a one-shot watch fired

import { nativeZooKeeper, type NativeZooKeeper } from "./native-client.ts";

export type HostRequest =
  | { kind: "open"; connection: number; host: string; port: number; timeoutMs: number; session?: { id: string; password: string } }
  | { kind: "call"; id: number; connection: number; method: string; args: unknown[]; watch: boolean }
  | { kind: "close"; connection: number };

export type HostReply =
  | { kind: "state"; connection: number; state: "connecting" | "connected" | "closed"; session?: { id: string; password: string }; timeoutMs?: number }
  | { kind: "done"; id: number; results: unknown[] }
  | { kind: "watch"; connection: number; id: number; type: number };

const handles = new Map<number, NativeZooKeeper>();

function reply(message: HostReply): void {
  process.send?.(message);
}

function open(request: Extract<HostRequest, { kind: "open" }>): void {
  const ZooKeeper = nativeZooKeeper();
  const handle = new ZooKeeper({});
  handles.set(request.connection, handle);
  handle.on("connect", () => reply({ kind: "state", connection: request.connection, state: "connected", session: { id: handle.client_id, password: handle.client_password }, timeoutMs: handle.timeout }));
  handle.on("connecting", () => reply({ kind: "state", connection: request.connection, state: "connecting" }));
  handle.on("close", () => {
    handles.delete(request.connection);
    reply({ kind: "state", connection: request.connection, state: "closed" });
  });
  const config: Parameters<NativeZooKeeper["init"]>[0] = { connect: `${request.host}:${request.port}`, timeout: request.timeoutMs, debug_level: 0, host_order_deterministic: true };
  if (request.session !== undefined) {
    config.client_id = request.session.id;
    config.client_password = request.session.password;
  }
  handle.init(config);
}

function call(request: Extract<HostRequest, { kind: "call" }>): void {
  const handle = handles.get(request.connection);
  const done = (...results: unknown[]): void => reply({ kind: "done", id: request.id, results });
  // A handle that is gone answers as the addon does for a closed one: ZINVALIDSTATE, unsent.
  if (handle === undefined) return done(-9, "invalid zhandle state");
  const method = (handle as unknown as Record<string, (...args: unknown[]) => number>)[request.method];
  if (typeof method !== "function") return done(-8, `no method ${request.method}`);
  const args = request.watch ? [...request.args, (type: number) => reply({ kind: "watch", connection: request.connection, id: request.id, type }), done] : [...request.args, done];
  const issued = method.apply(handle, args);
  if (typeof issued === "number" && issued !== 0) done(issued, "not sent");
}

process.on("message", (request: HostRequest) => {
  switch (request.kind) {
    case "open":
      open(request);
      return;
    case "call":
      call(request);
      return;
    case "close": {
      const handle = handles.get(request.connection);
      handles.delete(request.connection);
      handle?.close();
      return;
    }
  }
});
// The harness went away: so do its sessions.
process.on("disconnect", () => process.exit(0));
