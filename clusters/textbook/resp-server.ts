// The client port of the textbook protocols' nodes (twopc, quorum): RESP2, so that redis-cli and
// ioredis talk to them, parsed by our Raft node's parser (clusters/raft/resp/). Each node brings a
// handler for its own commands; PING, INFO and QUIT are answered here. Requests on one connection
// are answered in order; a malformed stream gets one "-ERR Protocol error" and is closed.

import { createServer, type Server, type Socket } from "node:net";
import { RespRequestParser } from "../raft/resp/parser.ts";
import { bulk, encodeReply, errorReply, simple, type Reply } from "../raft/resp/reply.ts";

export interface CommandHandler {
  /** Answers one command (name upper-cased, then its arguments); never throws for bad input. */
  handle(name: string, args: readonly string[]): Promise<Reply>;
  /** INFO's text: "# Section" lines and "field:value" lines. */
  info(): string;
}

export class TextbookRespServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

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
    });
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
