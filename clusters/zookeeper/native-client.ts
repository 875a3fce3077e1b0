// The npm package `zookeeper` (7.x): ZooKeeper's own C client (zookeeper-client-c, compiled into a
// native addon when the package installs), with a thin JavaScript layer. Its bundled type
// declarations are loose (`any` results, numbers for some strings), so this file states the part
// of its callback API we use, as the addon really behaves (lib/zookeeper.js, src/node-zk.cpp), and
// loads it once.
//
// Every call takes a completion callback whose first argument is ZooKeeper's error code (0 = ok),
// so outcomes are mapped by code, never by message text. A call made on a closed or expired
// handle returns the code at once instead (ZINVALIDSTATE) and never calls back.

import { createRequire } from "node:module";

/** A znode's Stat as the addon hands it out: zxids as numbers (exact below 2^53: epochs below 2^21),
 *  times as Dates, the owning session as hexadecimal text ("0" for a persistent node). */
export interface NativeStat {
  czxid: number;
  mzxid: number;
  pzxid: number;
  ctime: Date;
  mtime: Date;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: string;
  dataLength: number;
  numChildren: number;
}

type Done = (rc: number, message: string) => void;
type WatchCallback = (type: number, state: number, path: string) => void;

export interface NativeZooKeeper {
  init(config: { connect: string; timeout: number; debug_level: number; host_order_deterministic: boolean; client_id?: string; client_password?: string }): void;
  close(): void;
  /** "close" comes when the handle ends: closed by us, or expired (the addon passes no reason). */
  on(event: "connect" | "connecting" | "close", listener: () => void): this;
  off(event: string, listener: (...args: never[]) => void): this;
  /** Hexadecimal session id and password, once connected. */
  readonly client_id: string;
  readonly client_password: string;
  /** The negotiated session timeout, ms. */
  readonly timeout: number;
  readonly state: number;
  a_create(path: string, data: Buffer, flags: number, done: (rc: number, message: string, path: string) => void): number;
  a_exists(path: string, watch: boolean, done: (rc: number, message: string, stat: NativeStat | null) => void): number;
  a_get(path: string, watch: boolean, done: (rc: number, message: string, stat: NativeStat | null, data: Buffer | null) => void): number;
  aw_get(path: string, watch: WatchCallback, done: (rc: number, message: string, stat: NativeStat | null, data: Buffer | null) => void): number;
  aw_exists(path: string, watch: WatchCallback, done: (rc: number, message: string, stat: NativeStat | null) => void): number;
  a_get_children(path: string, watch: boolean, done: (rc: number, message: string, children: string[] | null) => void): number;
  aw_get_children(path: string, watch: WatchCallback, done: (rc: number, message: string, children: string[] | null) => void): number;
  a_get_children2(path: string, watch: boolean, done: (rc: number, message: string, children: string[] | null, stat: NativeStat | null) => void): number;
  a_set(path: string, data: Buffer, version: number, done: (rc: number, message: string, stat: NativeStat | null) => void): number;
  a_delete_(path: string, version: number, done: Done): number;
  a_sync(path: string, done: (rc: number, message: string, path: string) => void): number;
}

export interface NativeZooKeeperClass {
  new (config: Record<string, never>): NativeZooKeeper;
}

/** ZooKeeper's error codes as the C client reports them (zookeeper.h ZOO_ERRORS). */
export const ZK_ERRORS = {
  OK: 0,
  RUNTIME_INCONSISTENCY: -2,
  CONNECTION_LOSS: -4,
  MARSHALLING_ERROR: -5,
  OPERATION_TIMEOUT: -7,
  BAD_ARGUMENTS: -8,
  INVALID_STATE: -9,
  NO_NODE: -101,
  NO_AUTH: -102,
  BAD_VERSION: -103,
  NO_CHILDREN_FOR_EPHEMERALS: -108,
  NODE_EXISTS: -110,
  NOT_EMPTY: -111,
  SESSION_EXPIRED: -112,
  INVALID_ACL: -114,
  CLOSING: -116,
  SESSION_MOVED: -118,
} as const;

/** zookeeper.h: node flags and watch event types. */
export const ZOO_EPHEMERAL = 1;
export const ZOO_SEQUENCE = 2;
const ZOO_EXPIRED_SESSION_STATE = -112;
export const WatchEventType = { created: 1, deleted: 2, changed: 3, child: 4 } as const;

let loaded: NativeZooKeeperClass | undefined;

/** The addon's class; throws, naming the fix, when the native module was not built. */
export function nativeZooKeeper(): NativeZooKeeperClass {
  if (loaded !== undefined) return loaded;
  const require = createRequire(import.meta.url);
  try {
    // The package's own declarations type this as `any`-laden classes; NativeZooKeeperClass is
    // the part of it we use, checked against the addon by clusters/zookeeper/native-client.test.ts.
    loaded = require("zookeeper") as NativeZooKeeperClass;
  } catch (error) {
    throw new Error(
      `the npm package 'zookeeper' (ZooKeeper's C client) did not load: ${(error as Error).message}. ` +
        "Its native addon is built by the package's install script, which npm runs only when package.json's allowScripts allows it: " +
        "run `npm rebuild zookeeper` (needs gcc, make and python3)",
    );
  }
  return loaded;
}
