// A ZooKeeper session with exactly one server (the connection string names one node), so that a
// client bound to a follower reads from that follower. Promises over node-zookeeper-client's
// callbacks; every failure rejects with the library's Exception, whose `code` says what happened.
//
// The library queues requests made while it is disconnected and sends them after it reconnects,
// possibly much later. Callers check `connected` first and send nothing otherwise, so that an op
// that was never sent can be reported as such.

import zookeeper, { type Exception, type Stat, type ZooKeeperClient } from "node-zookeeper-client";
import { sync } from "./sync-request.ts";

/** Session timeout we ask for; the servers clamp it to [2, 20] ticks (server.ts: 1–10 s). */
const SESSION_TIMEOUT_MS = 5000;
/** Pause between reconnection attempts to a server that is down. */
const SPIN_DELAY_MS = 250;

export const ZK_ERRORS = zookeeper.Exception;

export function isZkError(error: unknown, code: number): boolean {
  return typeof error === "object" && error !== null && (error as Exception).code === code;
}

export class ZkConnection {
  private readonly client: ZooKeeperClient;

  constructor(host: string, port: number) {
    this.client = zookeeper.createClient(`${host}:${port}`, { sessionTimeout: SESSION_TIMEOUT_MS, spinDelay: SPIN_DELAY_MS, retries: 0 });
    this.client.connect();
  }

  get connected(): boolean {
    return this.client.getState() === zookeeper.State.SYNC_CONNECTED;
  }

  /** The server ended the session; this connection will not come back and must be replaced. */
  get expired(): boolean {
    return this.client.getState() === zookeeper.State.EXPIRED;
  }

  get state(): string {
    return this.client.getState().name;
  }

  /** Whether the session is connected within `timeoutMs`. */
  async waitConnected(timeoutMs: number): Promise<boolean> {
    if (this.connected) return true;
    return new Promise<boolean>((resolve) => {
      const onState = (): void => {
        if (this.connected) finish();
      };
      const finish = (): void => {
        clearTimeout(timer);
        this.client.off("state", onState);
        resolve(this.connected);
      };
      const timer = setTimeout(finish, timeoutMs);
      this.client.on("state", onState);
    });
  }

  getData(path: string): Promise<{ data: Buffer | undefined; stat: Stat }> {
    return new Promise((resolve, reject) => this.client.getData(path, (error, data, stat) => (error ? reject(error) : resolve({ data, stat }))));
  }

  setData(path: string, data: Buffer, version: number): Promise<Stat> {
    return new Promise((resolve, reject) => this.client.setData(path, data, version, (error, stat) => (error ? reject(error) : resolve(stat))));
  }

  create(path: string, data: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.client.create(path, data, (error) => (error ? reject(error) : resolve())));
  }

  getChildren(path: string): Promise<string[]> {
    return new Promise((resolve, reject) => this.client.getChildren(path, (error, children) => (error ? reject(error) : resolve(children))));
  }

  mkdirp(path: string): Promise<void> {
    return new Promise((resolve, reject) => this.client.mkdirp(path, (error) => (error ? reject(error) : resolve())));
  }

  sync(path: string): Promise<void> {
    return sync(this.client, path);
  }

  close(): void {
    this.client.close();
  }
}
