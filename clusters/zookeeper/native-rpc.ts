// The harness's side of native-host.ts: one child process holds every C client handle of this
// process; each ZkConnection talks to its handle through it. When the host dies (the addon can
// abort, see native-host.ts), every handle hears that its host exited (onHostExit), every call in
// flight ends as connection loss, and the next connection starts a new host.

import { spawn, type ChildProcess } from "node:child_process";
import { nodeProgramArgs } from "../../harness/source-path.ts";
import type { HostReply, HostRequest } from "./native-host.ts";

const HOST_PROGRAM = nodeProgramArgs(import.meta.url, "./native-host");
/** ZooKeeper's connection-loss code: what a call in flight when the host died gets. */
const CONNECTION_LOSS = -4;

export interface HandleEvents {
  onState(state: "connecting" | "connected" | "closed", session?: { id: string; password: string }, timeoutMs?: number): void;
  /** The host process died: the handle is gone with it (its calls in flight were answered
   *  connection loss first). The session itself may live on at the server until it times out. */
  onHostExit(): void;
}

class Host {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly calls = new Map<number, { connection: number; done: (results: unknown[]) => void; onWatch?: (type: number) => void }>();
  private readonly handles = new Map<number, HandleEvents>();
  exited = false;

  constructor(onExit: () => void) {
    this.child = spawn(process.execPath, HOST_PROGRAM, { stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "advanced" });
    // Neither the child nor its channel keeps the harness alive; the child ends when we do.
    this.child.unref();
    this.child.channel?.unref();
    this.child.on("message", (reply: HostReply) => this.receive(reply));
    this.child.on("exit", (code, signal) => {
      this.exited = true;
      onExit();
      if (code !== 0 && this.handles.size > 0) process.emitWarning(`the ZooKeeper C client host exited (${signal ?? `code ${code}`}); its ${this.handles.size} session(s) are lost and will be reopened`);
      for (const call of this.calls.values()) call.done([CONNECTION_LOSS, "the C client host process exited"]);
      this.calls.clear();
      for (const events of this.handles.values()) events.onHostExit();
      this.handles.clear();
    });
  }

  open(connection: number, events: HandleEvents, request: Omit<Extract<HostRequest, { kind: "open" }>, "kind" | "connection">): void {
    this.handles.set(connection, events);
    this.send({ kind: "open", connection, ...request });
  }

  call(connection: number, method: string, args: unknown[], done: (results: unknown[]) => void, onWatch?: (type: number) => void): void {
    if (this.exited) {
      done([-9, "the C client host process exited"]);
      return;
    }
    const id = this.nextId++;
    this.calls.set(id, { connection, done, onWatch });
    this.send({ kind: "call", id, connection, method, args, watch: onWatch !== undefined });
  }

  get pid(): number | undefined {
    return this.exited ? undefined : this.child.pid;
  }

  get callsInFlight(): number {
    return [...this.calls.values()].filter((call) => call.onWatch === undefined).length;
  }

  close(connection: number): void {
    this.handles.delete(connection);
    if (!this.exited) this.send({ kind: "close", connection });
  }

  private send(request: HostRequest): void {
    this.child.send(request, (error) => {
      if (error && !this.exited) this.child.kill("SIGKILL");
    });
  }

  private receive(reply: HostReply): void {
    switch (reply.kind) {
      case "state": {
        const events = this.handles.get(reply.connection);
        if (reply.state === "closed") this.handles.delete(reply.connection);
        events?.onState(reply.state, reply.session, reply.timeoutMs);
        return;
      }
      case "done": {
        const call = this.calls.get(reply.id);
        if (call === undefined) return;
        // A watching call stays registered for its event.
        if (call.onWatch === undefined) this.calls.delete(reply.id);
        call.done(reply.results);
        return;
      }
      case "watch": {
        const call = this.calls.get(reply.id);
        this.calls.delete(reply.id);
        call?.onWatch?.(reply.type);
        return;
      }
    }
  }
}

let host: Host | undefined;
let nextConnection = 1;

/** The running host's pid and how many calls (not counting armed watches) await their answer;
 *  for tests that kill the host at a chosen moment. */
export function nativeHostState(): { pid: number | undefined; callsInFlight: number } {
  return { pid: host?.pid, callsInFlight: host?.callsInFlight ?? 0 };
}

/** A C client handle in the host process. */
export class RemoteHandle {
  private readonly connection = nextConnection++;
  private readonly host: Host;

  constructor(events: HandleEvents, request: Omit<Extract<HostRequest, { kind: "open" }>, "kind" | "connection">) {
    if (host === undefined || host.exited) {
      const started = new Host(() => {
        if (host === started) host = undefined;
      });
      host = started;
    }
    this.host = host;
    this.host.open(this.connection, events, request);
  }

  /** Calls a_/aw_ `method` with `args`; `done` gets the completion's arguments (rc first). */
  call(method: string, args: unknown[], done: (results: unknown[]) => void, onWatch?: (type: number) => void): void {
    this.host.call(this.connection, method, args, done, onWatch);
  }

  close(): void {
    this.host.close(this.connection);
  }
}
