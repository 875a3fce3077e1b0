// The client port of the textbook protocols' nodes (twopc, quorum): RESP2, so that redis-cli and
// ioredis talk to them, parsed by our Raft node's parser (clusters/raft/resp/). Each node brings a
// handler for its own commands; PING, INFO, SUBSCRIBE and QUIT are answered here. Requests on one
// connection are answered in order; a malformed stream gets one "-ERR Protocol error" and is
// closed. SUBSCRIBE is the listen side of Redis's pub/sub, as on our Raft nodes: the node publishes
// its protocol events (clusters/node-faults/events.ts) to whoever listens.

import { createServer, type Server, type Socket } from "node:net";
import { RespRequestParser } from "../raft/resp/parser.ts";
import { array, bulk, encodeReply, errorReply, integer, simple, type Reply } from "../raft/resp/reply.ts";

export interface CommandHandler {
  /** Answers one command (name upper-cased, then its arguments); never throws for bad input. */
  handle(name: string, args: readonly string[]): Promise<Reply>;
  /** INFO's text: "# Section" lines and "field:value" lines. */
  info(): string;
}

export class TextbookRespServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** Subscribed connections, per channel. */
  private readonly subscribers = new Map<string, Set<Socket>>();

  constructor(
    private readonly options: { host: string; port: number; handler: CommandHandler; log(line: string): void },
  ) {}

  async start(): Promise<void> {
    const server = createServer((socket) => this.serve(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error) => reject(new Error(`cannot listen for clients on ${this.options.host}:${this.options.port}: ${error.message}`)));
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    server.on("error", (error) => this.options.log(`client server error: ${error.message}`));
  }

  /** The port actually bound (useful when started on port 0). */
  port(): number {
    const address = this.server?.address();
    if (!address || typeof address === "string") throw new Error("the textbook RESP server is not listening");
    return address.port;
  }

  /** Whether anyone listens on `channel` (so that a publisher can skip building messages). */
  hasSubscribers(channel: string): boolean {
    return (this.subscribers.get(channel)?.size ?? 0) > 0;
  }

  /** Sends `message` to every connection subscribed to `channel` (Redis's message push). A
   *  connection that does not keep up is dropped rather than buffered. */
  publish(channel: string, message: string): void {
    const listeners = this.subscribers.get(channel);
    if (!listeners) return;
    const push = encodeReply(array([bulk("message"), bulk(channel), bulk(message)]));
    for (const socket of listeners) {
      if (socket.writableLength > 4 * 1024 * 1024) socket.destroy();
      else socket.write(push);
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const parser = new RespRequestParser();
    let chain: Promise<void> = Promise.resolve();
    let closing = false;
    const enqueue = (work: () => Promise<void>) => {
      chain = chain.then(work).catch((error: unknown) => {
        // A bug in command handling costs this connection, not the node.
        this.options.log(`closing a client connection after an internal error: ${error instanceof Error ? error.stack : String(error)}`);
        socket.destroy();
      });
    };
    socket.on("data", (chunk: Buffer) => {
      if (closing) return;
      const { commands, error } = parser.push(chunk);
      for (const args of commands) {
        enqueue(async () => {
          if (closing || socket.destroyed) return;
          const [first = "", ...rest] = args;
          const name = first.toUpperCase();
          if (name === "QUIT") {
            closing = true;
            socket.end(encodeReply(simple("OK")));
            return;
          }
          if (name === "SUBSCRIBE") {
            this.subscribe(socket, rest);
            return;
          }
          const reply = await this.answer(name, rest);
          if (!socket.destroyed) socket.write(encodeReply(reply));
        });
      }
      if (error) {
        enqueue(async () => {
          closing = true;
          if (!socket.destroyed) socket.end(encodeReply(errorReply(`ERR ${error}`)));
        });
      }
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      closing = true;
      this.sockets.delete(socket);
      for (const listeners of this.subscribers.values()) listeners.delete(socket);
    });
  }

  /** Redis's confirmation per channel: ["subscribe", channel, channels this connection has]. */
  private subscribe(socket: Socket, channels: readonly string[]): void {
    if (channels.length === 0) {
      socket.write(encodeReply(errorReply("ERR wrong number of arguments for 'subscribe' command")));
      return;
    }
    for (const channel of channels) {
      let listeners = this.subscribers.get(channel);
      if (!listeners) this.subscribers.set(channel, (listeners = new Set()));
      listeners.add(socket);
      const count = [...this.subscribers.values()].filter((set) => set.has(socket)).length;
      socket.write(encodeReply(array([bulk("subscribe"), bulk(channel), integer(count)])));
    }
  }

  private answer(name: string, args: readonly string[]): Promise<Reply> {
    switch (name) {
      case "PING":
        return Promise.resolve(args.length > 0 ? bulk(args[0]) : simple("PONG"));
      case "INFO":
        return Promise.resolve(bulk(this.options.handler.info()));
      default:
        return this.options.handler.handle(name, args);
    }
  }
}
