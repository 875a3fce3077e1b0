// The client-facing TCP server: RESP2 in, RESP2 out. A malformed stream gets one
// "-ERR Protocol error: …" reply and its connection closed; nothing a client sends can take the
// node down.

import { createServer, type Server, type Socket } from "node:net";
import { RespRequestParser, type ParserLimits } from "./parser.ts";
import { array, bulk, encodeReply, errorReply, integer } from "./reply.ts";
import { Session, type KvBackend } from "./session.ts";

const MAX_QUEUED_REQUESTS = 1024;

export interface RespServerOptions {
  host: string;
  port: number;
  backend: KvBackend;
  log(line: string): void;
  limits?: Partial<ParserLimits>;
}

export class RespServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** Subscribed connections, per channel. */
  private readonly subscribers = new Map<string, Set<Socket>>();

  constructor(private readonly options: RespServerOptions) {}

  async start(): Promise<void> {
    const server = createServer((socket) => this.serve(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error) => reject(new Error(`cannot listen for clients on ${this.options.host}:${this.options.port}: ${error.message}`)));
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    server.on("error", (error) => this.options.log(`client server error: ${error.message}`));
  }

  /** Whether anyone listens on `channel` (so that a publisher can skip building messages). */
  hasSubscribers(channel: string): boolean {
    return (this.subscribers.get(channel)?.size ?? 0) > 0;
  }

  /** Sends `message` to every connection subscribed to `channel` (Redis's message push); returns
   *  how many got it. A connection that does not keep up is dropped rather than buffered. */
  publish(channel: string, message: string): number {
    const listeners = this.subscribers.get(channel);
    if (!listeners) return 0;
    const push = encodeReply(array([bulk("message"), bulk(channel), bulk(message)]));
    for (const socket of listeners) {
      if (socket.writableLength > 4 * 1024 * 1024) socket.destroy();
      else socket.write(push);
    }
    return listeners.size;
  }

  /** The port actually bound (useful when started on port 0). */
  port(): number {
    const address = this.server?.address();
    if (!address || typeof address === "string") throw new Error("RESP server is not listening");
    return address.port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const parser = new RespRequestParser(this.options.limits);
    const session = new Session(this.options.backend);
    // Requests run strictly one after another; `chain` is the tail of that sequence.
    let chain: Promise<void> = Promise.resolve();
    let closing = false;
    // A client that pipelines faster than commands commit is paused rather than buffered without bound.
    let waiting = 0;

    const enqueue = (work: () => Promise<void>) => {
      waiting++;
      if (waiting > MAX_QUEUED_REQUESTS) socket.pause();
      chain = chain.then(work).finally(() => {
        waiting--;
        if (waiting <= MAX_QUEUED_REQUESTS / 2 && socket.isPaused() && !closing) socket.resume();
      }).catch((error: unknown) => {
        // A bug in command handling must cost this connection, not the node.
        this.options.log(`closing client connection after an internal error: ${error instanceof Error ? error.stack : String(error)}`);
        socket.destroy();
      });
    };

    let protocolFailed = false;
    socket.on("data", (chunk: Buffer) => {
      if (closing || protocolFailed) return;
      const { commands, error } = parser.push(chunk);
      for (const args of commands) {
        enqueue(async () => {
          if (closing || socket.destroyed) return;
          const result = await session.handle(args);
          if (socket.destroyed) return;
          if (result.subscribe) {
            for (const channel of result.subscribe) {
              let listeners = this.subscribers.get(channel);
              if (!listeners) this.subscribers.set(channel, (listeners = new Set()));
              listeners.add(socket);
              const count = [...this.subscribers.values()].filter((set) => set.has(socket)).length;
              socket.write(encodeReply(array([bulk("subscribe"), bulk(channel), integer(count)])));
            }
            return;
          }
          socket.write(encodeReply(result.reply));
          if (result.close) {
            closing = true;
            socket.end();
          }
        });
      }
      if (error) {
        protocolFailed = true;
        // Commands that arrived before the malformed bytes are still answered, in order; the
        // failed parser yields nothing after it.
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
}
