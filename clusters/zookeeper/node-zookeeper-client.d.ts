// Types for the parts of node-zookeeper-client 1.x (pure JavaScript, no types of its own) that the
// zookeeper system uses, written from the library's index.js, lib/State.js and lib/Exception.js.

declare module "node-zookeeper-client" {
  import type { EventEmitter } from "node:events";

  export interface Stat {
    /** The znode's data version, which setData(path, data, version) compares against. */
    version: number;
    numChildren: number;
  }

  export interface State {
    readonly name: string;
    readonly code: number;
  }

  /** What every failed call passes to its callback. */
  export interface Exception extends Error {
    readonly code: number;
    readonly name: string;
    readonly path?: string;
  }

  export interface ZooKeeperClient extends EventEmitter {
    connect(): void;
    close(): void;
    getState(): State;
    getData(path: string, callback: (error: Exception | null, data: Buffer | undefined, stat: Stat) => void): void;
    setData(path: string, data: Buffer, version: number, callback: (error: Exception | null, stat: Stat) => void): void;
    create(path: string, data: Buffer, callback: (error: Exception | null, path: string) => void): void;
    getChildren(path: string, callback: (error: Exception | null, children: string[], stat: Stat) => void): void;
    mkdirp(path: string, callback: (error: Exception | null, path: string) => void): void;
    /** The library's connection: it queues requests and matches their replies. Used to send SYNC,
     *  which the library has no method for (sync-request.ts). */
    readonly connectionManager: unknown;
  }

  export interface ClientOptions {
    sessionTimeout?: number;
    /** Delay between attempts to (re)connect. */
    spinDelay?: number;
    /** Re-sends of a request after CONNECTION_LOSS; 0 for none. */
    retries?: number;
  }

  interface ZooKeeperModule {
    createClient(connectionString: string, options?: ClientOptions): ZooKeeperClient;
    State: {
      DISCONNECTED: State;
      SYNC_CONNECTED: State;
      AUTH_FAILED: State;
      CONNECTED_READ_ONLY: State;
      SASL_AUTHENTICATED: State;
      EXPIRED: State;
    };
    Exception: {
      CONNECTION_LOSS: number;
      OPERATION_TIMEOUT: number;
      SESSION_EXPIRED: number;
      NO_NODE: number;
      NO_AUTH: number;
      BAD_VERSION: number;
      NO_CHILDREN_FOR_EPHEMERALS: number;
      NODE_EXISTS: number;
      NOT_EMPTY: number;
      INVALID_ACL: number;
    };
  }

  const zookeeper: ZooKeeperModule;
  export default zookeeper;
}
