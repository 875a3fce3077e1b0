// The client-facing server: ZooKeeper's client protocol (jute frames over TCP) on one port, and its
// four-letter words (srvr, ruok) on the same port. One ClientConnection per socket:
//
//   handshake   the first frame is a ConnectRequest: a new session (created through the leader),
//               or an existing one (password checked, session still alive) when a client
//               reconnects, possibly to another server. A server behind the client's last zxid
//               refuses it (the client would travel back in time) by closing the socket.
//   requests    replies leave in request order (ZooKeeper's FIFO client order): writes and syncs
//               are sent on at once and pipelined, a read is answered from the local tree once
//               every earlier request of the connection has been answered, so it sees the
//               session's own writes.
//   watches     one-shot, registered by reads with watch=true, re-registered by SetWatches after a
//               reconnect; notifications are pushed by the node as it applies txns (zxid order).
// Anything malformed — an undecodable frame, a frame over jute.maxbuffer, an unknown request —
// closes the connection; nothing a client sends can throw out of this file.

import { createServer, type Server, type Socket } from "node:net";
import { decodeConnectRequest, encodeConnectResponse, type ConnectRequest } from "../jute/connect.ts";
import { ErrorCode } from "../jute/error-codes.ts";
import { encodeJuteFrame, JuteFrameDecoder } from "../jute/frames.ts";
import type { MultiResult } from "../jute/multi.ts";
import { Xid } from "../jute/op-codes.ts";
import { decodeRequest, type ClientRequest, type SetWatchesRequest } from "../jute/requests.ts";
import { encodeReply, type ReplyFrame, type ServerResponse } from "../jute/responses.ts";
import { EventType, KeeperState } from "../jute/watcher-event.ts";
import type { DataTree, OpResult } from "../tree/data-tree.ts";
import type { WriteRequest } from "../tree/prepare.ts";

/** How a write ended, as the server that the client is connected to learns it. */
export type WriteOutcome = { zxid: bigint; result: OpResult } | { err: number };

/** What the connection needs from its node (node.ts). */
export interface ClientBackend {
  readonly serverName: string;
  /** Whether the server serves clients now (following, leading or observing an established
   *  leader); connections are refused, and closed, otherwise. */
  serving(): boolean;
  tree(): DataTree;
  /** Sends a write through the leader; resolves when this server applied it, or with the error
   *  that refused it. */
  submitWrite(request: WriteRequest, sessionId: bigint): Promise<WriteOutcome>;
  /** Resolves once this server has applied everything committed before the call. */
  sync(): Promise<WriteOutcome>;
  /** The client of `sessionId` was heard from. */
  touch(sessionId: bigint): void;
  newSessionId(): bigint;
  password(sessionId: bigint): Uint8Array;
  negotiateTimeout(requestedMs: number): number;
  fourLetterWord(word: string): string | undefined;
  log(line: string): void;
}

const FOUR_LETTER_WORDS = new Set(["srvr", "ruok", "stat", "conf", "isro", "mntr"]);

export class ClientServer {
  private server: Server | undefined;
  private readonly connections = new Set<ClientConnection>();
  private nextConnection = 1;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly backend: ClientBackend,
  ) {}

  async start(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error) => reject(new Error(`${this.backend.serverName} cannot listen for clients on ${this.host}:${this.port}: ${error.message}`)));
      server.listen(this.port, this.host, () => resolve());
    });
  }

  /** Every open connection with a session (for notifications and expiry). */
  sessionConnections(sessionId: bigint): ClientConnection[] {
    return [...this.connections].filter((connection) => connection.sessionId === sessionId);
  }

  connection(watcher: string): ClientConnection | undefined {
    for (const connection of this.connections) if (connection.watcher === watcher) return connection;
    return undefined;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Closes every client connection (the server stopped serving: its clients reconnect elsewhere). */
  closeAll(why: string): void {
    if (this.connections.size > 0) this.backend.log(`closing ${this.connections.size} client connection(s): ${why}`);
    for (const connection of [...this.connections]) connection.close();
  }

  async close(): Promise<void> {
    this.closeAll("the server is stopping");
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const connection = new ClientConnection(socket, this.backend, `c${this.nextConnection++}`, () => this.connections.delete(connection));
    this.connections.add(connection);
  }
}

export class ClientConnection {
  sessionId = 0n;
  private readonly frames = new JuteFrameDecoder();
  private handshake: "pending" | "waiting" | "done" = "pending";
  private closed = false;
  /** Replies leave in request order: each request's reply is chained after the previous one. */
  private tail: Promise<void> = Promise.resolve();
  private firstBytes: Buffer | undefined = Buffer.alloc(0);

  constructor(
    private readonly socket: Socket,
    private readonly backend: ClientBackend,
    /** This connection's name as a watcher in the data tree. */
    readonly watcher: string,
    private readonly onClose: () => void,
  ) {
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", () => this.close());
    socket.on("close", () => this.close());
  }

  /** Sends a watch notification (the node calls this as it applies txns). */
  notify(type: number, path: string): void {
    this.send({ header: { xid: Xid.notification, zxid: -1n, err: 0 }, response: { op: "notification", event: { type, state: KeeperState.syncConnected, path } } });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.backend.tree().removeWatcher(this.watcher);
    this.onClose();
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    if (this.firstBytes !== undefined) {
      // A four-letter word is four ASCII bytes where a frame length would be.
      this.firstBytes = Buffer.concat([this.firstBytes, chunk]);
      if (this.firstBytes.length < 4) return;
      const word = this.firstBytes.subarray(0, 4).toString("latin1");
      if (FOUR_LETTER_WORDS.has(word)) {
        const answer = this.backend.fourLetterWord(word) ?? "";
        this.firstBytes = undefined;
        this.socket.end(answer);
        return;
      }
      chunk = this.firstBytes;
      this.firstBytes = undefined;
    }
    let payloads: Buffer[];
    try {
      payloads = this.frames.push(chunk);
    } catch (error) {
      this.refuse(`an unreadable frame: ${(error as Error).message}`);
      return;
    }
    for (const payload of payloads) {
      if (this.closed) return;
      if (this.handshake === "pending") this.connect(payload);
      else if (this.handshake === "waiting") this.refuse("a request before its session was established");
      else this.request(payload);
    }
  }

  private refuse(why: string): void {
    this.backend.log(`closing client connection ${this.watcher} from ${this.socket.remoteAddress}:${this.socket.remotePort}: ${why}`);
    this.close();
  }

  // ---- the handshake --------------------------------------------------------------------------

  private connect(payload: Buffer): void {
    let request: ConnectRequest;
    try {
      request = decodeConnectRequest(payload);
    } catch (error) {
      this.refuse(`an unreadable ConnectRequest: ${(error as Error).message}`);
      return;
    }
    if (!this.backend.serving()) {
      this.refuse("this server is not serving (no established leader); the client will try another");
      return;
    }
    const tree = this.backend.tree();
    if (request.lastZxidSeen > tree.lastProcessedZxid) {
      this.refuse(`the client has seen zxid 0x${request.lastZxidSeen.toString(16)} but this server is at 0x${tree.lastProcessedZxid.toString(16)}; the client must try another server`);
      return;
    }
    this.handshake = "waiting";
    if (request.sessionId === 0n) {
      const sessionId = this.backend.newSessionId();
      const timeoutMs = this.backend.negotiateTimeout(request.timeOutMs);
      this.backend.submitWrite({ op: "createSession", sessionId, timeoutMs }, sessionId).then(
        (outcome) => {
          if ("err" in outcome) this.refuse(`session creation failed with error ${outcome.err}`);
          else this.established(sessionId, timeoutMs);
        },
        (error: unknown) => this.refuse(`session creation failed: ${(error as Error).message}`),
      );
      return;
    }
    if (!equalBytes(this.backend.password(request.sessionId), request.passwd)) {
      this.expiredSession(request.sessionId, "presented a wrong password");
      return;
    }
    const known = (): number | undefined => this.backend.tree().sessionList().find((session) => session.sessionId === request.sessionId)?.timeoutMs;
    const timeoutMs = known();
    if (timeoutMs !== undefined) {
      this.backend.touch(request.sessionId);
      this.established(request.sessionId, timeoutMs);
      return;
    }
    // This server may not have applied the session's creation yet (the client made it through
    // another server a moment ago): ask the leader, as ZooKeeper's follower revalidates a session
    // it does not know, by catching up with everything committed before deciding.
    this.backend.sync().then(
      () => {
        const after = known();
        if (after === undefined) {
          this.expiredSession(request.sessionId, "has expired");
          return;
        }
        this.backend.touch(request.sessionId);
        this.established(request.sessionId, after);
      },
      (error: unknown) => this.refuse(`revalidating session 0x${request.sessionId.toString(16)} failed: ${(error as Error).message}`),
    );
  }

  /** ZooKeeper tells a client its session is gone with a zero timeout, then closes. */
  private expiredSession(sessionId: bigint, why: string): void {
    this.writeFrame(encodeConnectResponse({ protocolVersion: 0, timeOutMs: 0, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false }));
    this.refuse(`session 0x${sessionId.toString(16)} ${why}`);
  }

  private established(sessionId: bigint, timeoutMs: number): void {
    if (this.closed) return;
    this.sessionId = sessionId;
    this.handshake = "done";
    this.writeFrame(encodeConnectResponse({ protocolVersion: 0, timeOutMs: timeoutMs, sessionId, passwd: this.backend.password(sessionId), readOnly: false }));
  }

  // ---- requests ------------------------------------------------------------------------------

  private request(payload: Buffer): void {
    let xid: number;
    let request: ClientRequest;
    try {
      ({ header: { xid }, request } = decodeRequest(payload));
    } catch (error) {
      this.refuse(`an unreadable request: ${(error as Error).message}`);
      return;
    }
    this.backend.touch(this.sessionId);
    const tree = (): DataTree => this.backend.tree();
    const watcher = (watch: boolean): string | undefined => (watch ? this.watcher : undefined);
    switch (request.op) {
      case "ping":
        this.enqueue(() => ({ header: { xid: Xid.ping, zxid: tree().lastProcessedZxid, err: 0 } }));
        return;
      case "auth":
        // ACLs are stored, not enforced: every authentication succeeds.
        this.enqueue(() => ({ header: { xid: Xid.auth, zxid: tree().lastProcessedZxid, err: 0 } }));
        return;
      case "setWatches":
        this.enqueue(() => {
          this.setWatches(request);
          return { header: { xid, zxid: tree().lastProcessedZxid, err: 0 } };
        });
        return;
      case "exists":
        this.enqueue(() => {
          const stat = tree().exists(request.path, watcher(request.watch));
          return stat === undefined ? this.failure(xid, ErrorCode.noNode) : this.success(xid, { op: "exists", stat });
        });
        return;
      case "getData":
        this.enqueue(() => {
          const read = tree().getData(request.path, watcher(request.watch));
          return read.ok ? this.success(xid, { op: "getData", data: read.data, stat: read.stat }) : this.failure(xid, read.err);
        });
        return;
      case "getChildren":
      case "getChildren2":
        this.enqueue(() => {
          const read = tree().getChildren(request.path, watcher(request.watch));
          if (!read.ok) return this.failure(xid, read.err);
          return this.success(xid, request.op === "getChildren" ? { op: "getChildren", children: read.children } : { op: "getChildren2", children: read.children, stat: read.stat });
        });
        return;
      case "sync": {
        const path = request.path;
        this.enqueueOutcome(this.backend.sync(), (outcome) => ("err" in outcome ? this.failure(xid, outcome.err) : this.success(xid, { op: "sync", path }, outcome.zxid)));
        return;
      }
      case "check":
        // Only inside a multi.
        this.enqueue(() => this.failure(xid, ErrorCode.unimplemented));
        return;
      case "closeSession":
        this.enqueueOutcome(this.backend.submitWrite({ op: "closeSession" }, this.sessionId), (outcome) => {
          setImmediate(() => this.close());
          return "err" in outcome ? this.failure(xid, outcome.err) : this.success(xid, { op: "closeSession" }, outcome.zxid);
        });
        return;
      case "create":
      case "create2":
      case "delete":
      case "setData":
      case "multi":
        this.enqueueOutcome(this.backend.submitWrite(request, this.sessionId), (outcome) => this.writeReply(xid, outcome));
        return;
    }
  }

  /** ZooKeeper's DataTree.setWatches: a watch whose event happened while the client was away
   *  (after relativeZxid) fires at once; the others are registered. */
  private setWatches(request: SetWatchesRequest): void {
    const tree = this.backend.tree();
    const relative = request.relativeZxid;
    for (const path of request.dataWatches) {
      const stat = tree.exists(path);
      if (stat === undefined) this.notify(EventType.nodeDeleted, path);
      else if (stat.mzxid > relative) this.notify(EventType.nodeDataChanged, path);
      else tree.getData(path, this.watcher);
    }
    for (const path of request.existWatches) {
      if (tree.exists(path) !== undefined) this.notify(EventType.nodeCreated, path);
      else tree.exists(path, this.watcher);
    }
    for (const path of request.childWatches) {
      const stat = tree.exists(path);
      if (stat === undefined) this.notify(EventType.nodeDeleted, path);
      else if (stat.pzxid > relative) this.notify(EventType.nodeChildrenChanged, path);
      else tree.getChildren(path, this.watcher);
    }
  }

  private writeReply(xid: number, outcome: WriteOutcome): ReplyFrame {
    if ("err" in outcome) return this.failure(xid, outcome.err);
    const result = outcome.result;
    switch (result.type) {
      case "create":
        return this.success(xid, result.op === "create" ? { op: "create", path: result.path } : { op: "create2", path: result.path, stat: result.stat }, outcome.zxid);
      case "delete":
        return this.success(xid, { op: "delete" }, outcome.zxid);
      case "setData":
        return this.success(xid, { op: "setData", stat: result.stat }, outcome.zxid);
      case "multi":
        return this.success(xid, { op: "multi", results: result.results.map(multiResult) }, outcome.zxid);
      case "error":
        return this.failure(xid, result.err, outcome.zxid);
      default:
        return this.failure(xid, ErrorCode.runtimeInconsistency, outcome.zxid);
    }
  }

  private success(xid: number, response: ServerResponse, zxid?: bigint): ReplyFrame {
    return { header: { xid, zxid: zxid ?? this.backend.tree().lastProcessedZxid, err: 0 }, response };
  }

  private failure(xid: number, err: number, zxid?: bigint): ReplyFrame {
    return { header: { xid, zxid: zxid ?? this.backend.tree().lastProcessedZxid, err } };
  }

  /** A reply computed once every earlier reply has left (reads see what came before). */
  private enqueue(reply: () => ReplyFrame): void {
    this.tail = this.tail.then(() => {
      if (!this.closed) this.send(reply());
    });
  }

  /** A reply to a request already on its way (a write, a sync), sent in request order. */
  private enqueueOutcome(work: Promise<WriteOutcome>, reply: (outcome: WriteOutcome) => ReplyFrame): void {
    const settled = work.catch((error: unknown): WriteOutcome => {
      this.backend.log(`client connection ${this.watcher}: a request failed inside the server: ${(error as Error).message}`);
      return { err: ErrorCode.systemError };
    });
    this.tail = this.tail.then(async () => {
      const outcome = await settled;
      if (!this.closed) this.send(reply(outcome));
    });
  }

  private send(frame: ReplyFrame): void {
    this.writeFrame(encodeReply(frame));
  }

  private writeFrame(payload: Uint8Array): void {
    if (this.closed) return;
    this.socket.write(encodeJuteFrame(payload));
  }
}

function multiResult(result: OpResult): MultiResult {
  switch (result.type) {
    case "create":
      return result.op === "create" ? { op: "create", path: result.path } : { op: "create2", path: result.path, stat: result.stat };
    case "delete":
      return { op: "delete" };
    case "setData":
      return { op: "setData", stat: result.stat };
    case "check":
      return { op: "check" };
    case "error":
      return { op: "error", err: result.err };
    default:
      return { op: "error", err: ErrorCode.runtimeInconsistency };
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
