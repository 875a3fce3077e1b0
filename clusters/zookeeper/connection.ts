// A ZooKeeper session with exactly one server (the connection string names one node), so that a
// client bound to a follower reads from that follower. Promises over ZooKeeper's own C client (the
// npm package `zookeeper`, native-client.ts); every failure rejects with a ZkError whose `code` is
// ZooKeeper's error code.
//
// The C client queues requests made while it is reconnecting and sends them once it reconnects,
// possibly much later. Callers check `connected` first and send nothing otherwise, so that an op
// that was never sent can be reported as such.

import { nativeZooKeeper, ZK_ERRORS, type NativeStat, type NativeZooKeeper } from "./native-client.ts";

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
  private readonly client: NativeZooKeeper;
  private stateValue: ZkState = "connecting";
  private readonly listeners = new Set<() => void>();
  private closedByUs = false;

  constructor(
    readonly host: string,
    readonly port: number,
    options: ZkConnectionOptions = {},
  ) {
    const ZooKeeper = nativeZooKeeper();
    this.client = new ZooKeeper({});
    this.client.on("connect", () => this.setState("connected"));
    this.client.on("connecting", () => this.setState("connecting"));
    this.client.on("close", () => this.setState("closed"));
    const config: Parameters<NativeZooKeeper["init"]>[0] = {
      connect: `${host}:${port}`,
      timeout: options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
      // 0 silences the C client's own logging (it writes to stderr).
      debug_level: 0,
      host_order_deterministic: true,
    };
    if (options.session !== undefined) {
      config.client_id = options.session.id;
      config.client_password = options.session.password;
    }
    this.client.init(config);
  }

  get connected(): boolean {
    return this.stateValue === "connected";
  }

  /** The handle ended without our asking (the session expired, or the C client gave up on the
   *  connection): it will not come back and must be replaced. */
  get expired(): boolean {
    return this.stateValue === "closed" && !this.closedByUs;
  }

  get state(): string {
    return this.expired ? "expired" : this.stateValue;
  }

  /** The session's id and password (hexadecimal), to resume it from another connection. */
  get session(): { id: string; password: string } {
    return { id: this.client.client_id, password: this.client.client_password };
  }

  /** The negotiated session timeout, ms. */
  get sessionTimeoutMs(): number {
    return this.client.timeout;
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
    return this.call(`getData ${path}`, (done) => this.client.a_get(path, false, (rc, message, stat, data) => done(rc, message, () => ({ data: data ?? undefined, stat: mustStat(stat) }))));
  }

  /** getData with a one-shot watch: `onEvent` gets the event type (native-client.ts WatchEventType). */
  watchData(path: string, onEvent: (type: number) => void): Promise<{ data: Buffer | undefined; stat: NativeStat }> {
    return this.call(`getData ${path} (watch)`, (done) => this.client.aw_get(path, (type) => onEvent(type), (rc, message, stat, data) => done(rc, message, () => ({ data: data ?? undefined, stat: mustStat(stat) }))));
  }

  /** The node's Stat, or undefined when it does not exist. */
  exists(path: string): Promise<NativeStat | undefined> {
    return this.call(`exists ${path}`, (done) =>
      this.client.a_exists(path, false, (rc, message, stat) => (rc === ZK_ERRORS.NO_NODE ? done(ZK_ERRORS.OK, message, () => undefined) : done(rc, message, () => mustStat(stat)))),
    );
  }

  /** exists with a one-shot watch (fires on creation when the node is absent). */
  watchExists(path: string, onEvent: (type: number) => void): Promise<NativeStat | undefined> {
    return this.call(`exists ${path} (watch)`, (done) =>
      this.client.aw_exists(path, (type) => onEvent(type), (rc, message, stat) => (rc === ZK_ERRORS.NO_NODE ? done(ZK_ERRORS.OK, message, () => undefined) : done(rc, message, () => mustStat(stat)))),
    );
  }

  setData(path: string, data: Buffer, version: number): Promise<NativeStat> {
    return this.call(`setData ${path}`, (done) => this.client.a_set(path, data, version, (rc, message, stat) => done(rc, message, () => mustStat(stat))));
  }

  /** Creates a node; `flags` ZOO_EPHEMERAL / ZOO_SEQUENCE (native-client.ts). Resolves with the
   *  path created (a sequential node's with its suffix). */
  create(path: string, data: Buffer, flags = 0): Promise<string> {
    return this.call(`create ${path}`, (done) => this.client.a_create(path, data, flags, (rc, message, created) => done(rc, message, () => created)));
  }

  delete(path: string, version: number): Promise<void> {
    return this.call(`delete ${path}`, (done) => this.client.a_delete_(path, version, (rc, message) => done(rc, message, () => undefined)));
  }

  getChildren(path: string): Promise<string[]> {
    return this.call(`getChildren ${path}`, (done) => this.client.a_get_children(path, false, (rc, message, children) => done(rc, message, () => children ?? [])));
  }

  watchChildren(path: string, onEvent: (type: number) => void): Promise<string[]> {
    return this.call(`getChildren ${path} (watch)`, (done) => this.client.aw_get_children(path, (type) => onEvent(type), (rc, message, children) => done(rc, message, () => children ?? [])));
  }

  getChildren2(path: string): Promise<{ children: string[]; stat: NativeStat }> {
    return this.call(`getChildren2 ${path}`, (done) => this.client.a_get_children2(path, false, (rc, message, children, stat) => done(rc, message, () => ({ children: children ?? [], stat: mustStat(stat) }))));
  }

  /** ZooKeeper's sync: resolves once the server has caught up with the leader. */
  sync(path: string): Promise<void> {
    return this.call(`sync ${path}`, (done) => this.client.a_sync(path, (rc, message) => done(rc, message, () => undefined)));
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

  /** Issues one C client call; `start` gets a completion that maps the code to a result. */
  private call<T>(what: string, start: (done: (rc: number, message: string, result: () => T) => void) => number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const done = (rc: number, message: string, result: () => T): void => {
        if (rc !== ZK_ERRORS.OK) {
          reject(new ZkError(rc, `${what}: ${message} (ZooKeeper error ${rc})`));
          return;
        }
        try {
          resolve(result());
        } catch (error) {
          reject(error);
        }
      };
      const issued = start(done);
      if (typeof issued === "number" && issued !== ZK_ERRORS.OK) reject(new ZkError(issued, `${what}: not sent, the C client refused it (ZooKeeper error ${issued}; the handle is ${this.state})`));
    });
  }
}

function mustStat(stat: NativeStat | null): NativeStat {
  if (stat === null) throw new ZkError(ZK_ERRORS.MARSHALLING_ERROR, "the server answered without a Stat");
  return stat;
}
