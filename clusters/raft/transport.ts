// Peer transport: TCP links carrying length-prefixed frames (the fault proxy's unit of fault).
// Each node dials every peer at the address the runtime gives (through the proxy) and only writes
// on connections it dialled; connections it accepts only read. So each directed link carries one
// direction of traffic, and the proxy's per-link faults apply to exactly that direction.
// Raft tolerates loss: a message for a peer whose connection is down, or whose socket buffer is
// full, is dropped rather than queued, and the event loop never waits on the network.
// Frames sent to one peer within one turn of the event loop leave in a single write: under load a
// leader sends several appends per follower per Ready, and a syscall per frame (each one also doing
// the loopback receiver's work) cost more CPU than encoding them.

import { connect, createServer, type Server, type Socket } from "node:net";
import { encodeFrame, FrameDecoder } from "../runtime/local/frames.ts";

export interface PeerAddress {
  name: string;
  host: string;
  port: number;
}

export interface TransportOptions {
  self: string;
  listenHost: string;
  listenPort: number;
  peers: readonly PeerAddress[];
  /** One whole frame payload from some peer. */
  onPayload(payload: Buffer): void;
  log(line: string): void;
  /** Unsent bytes allowed per connection before messages are dropped. */
  maxBufferedBytes?: number;
  /** A connected link to `peer` closed: its process died or restarted (the kernel closes a killed
   *  process's sockets; the fault proxy passes the close on unless a partition holds it back).
   *  ZAB's learners take this as their leader gone, as ZooKeeper's do when the socket breaks. */
  onPeerDown?(peer: string): void;
}

const MIN_BACKOFF_MS = 20;
const MAX_BACKOFF_MS = 1000;
const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** The dialling side of one directed link. */
class OutboundLink {
  private socket: Socket | undefined;
  private connected = false;
  private backoffMs = MIN_BACKOFF_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Whether the last state change was logged as down, so a dead peer is logged once, not per retry. */
  private reportedDown = false;
  /** The socket whose writes are being gathered until flush(): the end of this event-loop turn,
   *  or earlier when the node calls PeerTransport.flush(). */
  private corked: Socket | undefined;
  private flushScheduled = false;
  dropped = 0;

  constructor(
    private readonly peer: PeerAddress,
    private readonly maxBufferedBytes: number,
    private readonly log: (line: string) => void,
    private readonly onDown: ((peer: string) => void) | undefined,
  ) {}

  start(): void {
    this.dial();
  }

  send(frame: Buffer): boolean {
    const socket = this.socket;
    if (!this.connected || !socket || socket.writableLength > this.maxBufferedBytes) {
      this.dropped++;
      return false;
    }
    if (this.corked !== socket) {
      this.flush();
      this.corked = socket;
      socket.cork();
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // setImmediate rather than nextTick: it also gathers the frames of messages stepped from
        // other peers' data in the same poll phase.
        setImmediate(() => {
          this.flushScheduled = false;
          this.flush();
        });
      }
    }
    socket.write(frame);
    return true;
  }

  /** Writes the frames gathered so far (one syscall). */
  flush(): void {
    const socket = this.corked;
    if (socket === undefined) return;
    this.corked = undefined;
    socket.uncork();
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket?.destroy();
  }

  private dial(): void {
    if (this.closed) return;
    const socket = connect({ host: this.peer.host, port: this.peer.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on("connect", () => {
      this.connected = true;
      this.backoffMs = MIN_BACKOFF_MS;
      this.reportedDown = false;
      this.log(`peer link to ${this.peer.name} (${this.peer.host}:${this.peer.port}) connected`);
    });
    // The far side never writes on this connection; reading keeps 'end' and 'close' flowing.
    socket.resume();
    socket.on("error", (error) => {
      if (!this.reportedDown) this.log(`peer link to ${this.peer.name} (${this.peer.host}:${this.peer.port}) down: ${error.message}; retrying with backoff`);
      this.reportedDown = true;
    });
    socket.on("close", () => {
      const wasConnected = this.connected;
      if (wasConnected && !this.reportedDown) this.log(`peer link to ${this.peer.name} closed; reconnecting`);
      this.connected = false;
      if (wasConnected && !this.closed) this.onDown?.(this.peer.name);
      if (this.socket === socket) this.socket = undefined;
      this.scheduleRedial();
    });
  }

  private scheduleRedial(): void {
    if (this.closed) return;
    // Jitter keeps nodes that lost each other at the same moment from redialling in lockstep.
    const delayMs = this.backoffMs / 2 + Math.random() * (this.backoffMs / 2);
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.retryTimer = setTimeout(() => this.dial(), delayMs);
  }
}

export class PeerTransport {
  private readonly options: TransportOptions;
  private readonly links = new Map<string, OutboundLink>();
  private readonly inbound = new Set<Socket>();
  private server: Server | undefined;

  constructor(options: TransportOptions) {
    this.options = options;
    for (const peer of options.peers) {
      this.links.set(peer.name, new OutboundLink(peer, options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES, options.log, options.onPeerDown));
    }
  }

  /** Listens for peers and starts dialling them; resolves once listening. */
  async start(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error) =>
        reject(new Error(`node ${this.options.self} cannot listen for peers on ${this.options.listenHost}:${this.options.listenPort}: ${error.message}`)),
      );
      server.listen(this.options.listenPort, this.options.listenHost, () => resolve());
    });
    for (const link of this.links.values()) link.start();
  }

  /** Sends one payload to `peer`; false if it was dropped (link down or congested). */
  send(peer: string, payload: Buffer): boolean {
    const link = this.links.get(peer);
    if (!link) throw new Error(`node ${this.options.self} has no peer named ${peer}; peers are ${[...this.links.keys()].join(", ")}`);
    return link.send(encodeFrame(payload));
  }

  /** Writes what send() gathered for every peer now rather than at the end of this turn of the
   *  event loop: a node that sends from a setImmediate callback (after its peers' data of this
   *  turn was stepped) saves its messages a whole turn of the loop, one per hop of a write. */
  flush(): void {
    for (const link of this.links.values()) link.flush();
  }

  async close(): Promise<void> {
    for (const link of this.links.values()) link.close();
    for (const socket of this.inbound) socket.destroy();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.inbound.add(socket);
    const decoder = new FrameDecoder();
    socket.on("data", (chunk: Buffer) => {
      let payloads: Buffer[];
      try {
        payloads = decoder.push(chunk);
      } catch (error) {
        this.options.log(`closing peer connection from ${socket.remoteAddress}:${socket.remotePort}: ${(error as Error).message}`);
        socket.destroy();
        return;
      }
      for (const payload of payloads) this.options.onPayload(payload);
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.inbound.delete(socket));
  }
}
