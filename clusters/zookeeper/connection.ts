// A ZooKeeper session with exactly one server (the connection string names one node), so that a
// client bound to a follower reads from that follower. Promises over ZooKeeper's own C client (the
// npm package `zookeeper`, native-client.ts), which runs in a child process of its own
// (native-host.ts, native-rpc.ts); every failure rejects with a ZkError whose `code` is
// ZooKeeper's error code.
//
// The C client queues requests made while it is reconnecting and sends them once it reconnects,
// possibly much later. Callers check `connected` first and send nothing otherwise, so that an op
// that was never sent can be reported as such.

import { ZK_ERRORS, type NativeStat } from "./native-client.ts";
import { RemoteHandle } from "./native-rpc.ts";

/** Session timeout we ask for unless told otherwise; servers clamp it (ours and ZooKeeper's:
 *  server.ts gives ZooKeeper 1–10 s). */
export const DEFAULT_SESSION_TIMEOUT_MS = 5000;

export { ZK_ERRORS };

/** A request that ZooKeeper (or the C client) answered with an error code. */
export class ZkError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "ZkError";
  }
}

export function isZkError(error: unknown, code: number): boolean {
  return error instanceof ZkError && error.code === code;
}

export type ZkState = "connecting" | "connected" | "closed";

export interface ZkConnectionOptions {
  sessionTimeoutMs?: number;
  /** Resume an existing session (both given or neither), as a client reconnecting elsewhere does. */
  session?: { id: string; password: string };
}

export class ZkConnection {
  private readonly client: RemoteHandle;
  private stateValue: ZkState = "connecting";
  private sessionValue = { id: "0", password: "" };
  private timeoutMs = 0;
  private readonly listeners = new Set<() => void>();
  private closedByUs = false;
  private hostExitedValue = false;

  constructor(
    readonly host: string,
    readonly port: number,
    options: ZkConnectionOptions = {},
  ) {
    const events = {
      onState: (state: ZkState, session?: { id: string; password: string }, timeoutMs?: number) => {
        if (session !== undefined) this.sessionValue = session;
        if (timeoutMs !== undefined) this.timeoutMs = timeoutMs;
        this.setState(state);
      },
      onHostExit: () => {
        this.hostExitedValue = true;
        this.setState("closed");
      },
    };
    const request = { host, port, timeoutMs: options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS, ...(options.session === undefined ? {} : { session: options.session }) };
    this.client = new RemoteHandle(events, request);
  }

  get connected(): boolean {
    return this.stateValue === "connected";
  }

  /** The handle ended without our asking (the session expired, or the C client gave up on the
   *  connection): it will not come back and must be replaced. */
  get expired(): boolean {
    return this.stateValue === "closed" && !this.closedByUs;
  }

  /** The C client's host process died (native-rpc.ts) and the handle with it: not the server's
   *  doing, so a new connection (in a new host) may well succeed at once. */
  get hostExited(): boolean {
    return this.hostExitedValue;
  }

  get state(): string {
    return this.hostExitedValue ? "lost with the C client host process" : this.expired ? "expired" : this.stateValue;
  }

  /** The session's id and password (hexadecimal), to resume it from another connection. */
  get session(): { id: string; password: string } {
    return this.sessionValue;
  }

  /** The negotiated session timeout, ms. */
  get sessionTimeoutMs(): number {
    return this.timeoutMs;
  }

  /** Whether the session is connected within `timeoutMs`. */
  async waitConnected(timeoutMs: number): Promise<boolean> {
    if (this.connected) return true;
    return new Promise<boolean>((resolve) => {
      const onState = (): void => {
        if (this.connected || this.stateValue === "closed") finish();
      };
      const finish = (): void => {
        clearTimeout(timer);
        this.listeners.delete(onState);
        resolve(this.connected);
      };
      const timer = setTimeout(finish, timeoutMs);
      this.listeners.add(onState);
    });
  }

  getData(path: string): Promise<{ data: Buffer | undefined; stat: NativeStat }> {
    return this.call(`getData ${path}`, "a_get", [path, false], ([stat, data]) => ({ data: asBuffer(data), stat: mustStat(stat) }));
  }

  /** getData with a one-shot watch: `onEvent` gets the event type (native-client.ts WatchEventType). */
  watchData(path: string, onEvent: (type: number) => void): Promise<{ data: Buffer | undefined; stat: NativeStat }> {
    return this.call(`getData ${path} (watch)`, "aw_get", [path], ([stat, data]) => ({ data: asBuffer(data), stat: mustStat(stat) }), onEvent);
  }

  /** The node's Stat, or undefined when it does not exist. */
  exists(path: string): Promise<NativeStat | undefined> {
    return this.call<NativeStat | undefined>(`exists ${path}`, "a_exists", [path, false], ([stat]) => mustStat(stat), undefined, true);
  }

  /** exists with a one-shot watch (fires on creation when the node is absent). */
  watchExists(path: string, onEvent: (type: number) => void): Promise<NativeStat | undefined> {
    return this.call<NativeStat | undefined>(`exists ${path} (watch)`, "aw_exists", [path], ([stat]) => mustStat(stat), onEvent, true);
  }

  setData(path: string, data: Buffer, version: number): Promise<NativeStat> {
    return this.call(`setData ${path}`, "a_set", [path, data, version], ([stat]) => mustStat(stat));
  }

  /** Creates a node; `flags` ZOO_EPHEMERAL / ZOO_SEQUENCE (native-client.ts). Resolves with the
   *  path created (a sequential node's with its suffix). */
  create(path: string, data: Buffer, flags = 0): Promise<string> {
    return this.call(`create ${path}`, "a_create", [path, data, flags], ([created]) => String(created));
  }

  delete(path: string, version: number): Promise<void> {
    return this.call(`delete ${path}`, "a_delete_", [path, version], () => undefined);
  }

  getChildren(path: string): Promise<string[]> {
    return this.call(`getChildren ${path}`, "a_get_children", [path, false], ([children]) => asStrings(children));
  }

  watchChildren(path: string, onEvent: (type: number) => void): Promise<string[]> {
    return this.call(`getChildren ${path} (watch)`, "aw_get_children", [path], ([children]) => asStrings(children), onEvent);
  }

  getChildren2(path: string): Promise<{ children: string[]; stat: NativeStat }> {
    return this.call(`getChildren2 ${path}`, "a_get_children2", [path, false], ([children, stat]) => ({ children: asStrings(children), stat: mustStat(stat) }));
  }

  /** ZooKeeper's sync: resolves once the server has caught up with the leader. */
  sync(path: string): Promise<void> {
    return this.call(`sync ${path}`, "a_sync", [path], () => undefined);
  }

  /** Creates every missing node on the way to `path` (persistent, empty). */
  async mkdirp(path: string): Promise<void> {
    const parts = path.split("/").filter((part) => part !== "");
    for (let i = 1; i <= parts.length; i++) {
      try {
        await this.create(`/${parts.slice(0, i).join("/")}`, Buffer.alloc(0));
      } catch (error) {
        if (!isZkError(error, ZK_ERRORS.NODE_EXISTS)) throw error;
      }
    }
  }

  /** Ends the session (the C client sends closeSession): its ephemerals go at once. */
  close(): void {
    if (this.stateValue === "closed") return;
    this.closedByUs = true;
    this.client.close();
    this.setState("closed");
  }

  private setState(state: ZkState): void {
    this.stateValue = state;
    for (const listener of [...this.listeners]) listener();
  }

  /** Issues one C client call (`method` of native-client.ts's NativeZooKeeper) in the host; its
   *  completion's code decides, and `shape` turns the rest of its arguments into the result.
   *  `absentIsUndefined`: NoNode answers undefined (exists). */
  private call<T>(what: string, method: string, args: unknown[], shape: (results: unknown[]) => T, onWatch?: (type: number) => void, absentIsUndefined = false): Promise<T> {
    return new Promise((resolve, reject) => {
      this.client.call(
        method,
        args,
        ([rc, message, ...rest]) => {
          const code = Number(rc);
          // T includes undefined exactly when absentIsUndefined is passed (exists).
          if (absentIsUndefined && code === ZK_ERRORS.NO_NODE) return resolve(undefined as T);
          if (code !== ZK_ERRORS.OK) return reject(new ZkError(code, `${what}: ${String(message)} (ZooKeeper error ${code}${code === ZK_ERRORS.INVALID_STATE ? `; not sent, the handle is ${this.state}` : ""})`));
          try {
            resolve(shape(rest));
          } catch (error) {
            reject(error);
          }
        },
        onWatch,
      );
    });
  }
}

function asBuffer(data: unknown): Buffer | undefined {
  if (data === null || data === undefined) return undefined;
  return Buffer.isBuffer(data) ? data : Buffer.from(data as Uint8Array);
}

function asStrings(children: unknown): string[] {
  return Array.isArray(children) ? children.map(String) : [];
}

function mustStat(stat: unknown): NativeStat {
  if (stat === null || typeof stat !== "object") throw new ZkError(ZK_ERRORS.MARSHALLING_ERROR, "the server answered without a Stat");
  return stat as NativeStat;
}
