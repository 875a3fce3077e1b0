// The listener of one directed link from→to: node `from` dials it to reach node `to`. Every
// accepted connection is spliced onto a new connection to `to`'s real peer port.
//
// The relay accepts even while the link is cut: a real partition does not refuse connections, it
// just carries nothing, so the dialling node must get a socket that stays silent.

import net from "node:net";
import { type ConnectionContext, type ProxyEvent, RelayedConnection } from "./relayed-connection.ts";

export class Relay {
  private readonly connections = new Set<RelayedConnection>();
  private closing: Promise<void> | undefined;
  /** Called whenever a connection finishes while the relay is closing. */
  private onConnectionFinished: (() => void) | undefined;

  private constructor(
    private readonly server: net.Server,
    readonly address: { host: string; port: number },
  ) {}

  /** Listens on `host` at a port the kernel picks; the relay keeps that port for its lifetime. */
  static async listen(host: string, context: ConnectionContext): Promise<Relay> {
    const server = net.createServer({ allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host, port: 0 }, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const { port } = server.address() as net.AddressInfo;
    const relay = new Relay(server, { host, port });
    const { link } = context.forward;
    server.on("error", (error) => {
      const event: ProxyEvent = { kind: "listener-error", link, message: `relay ${link.from}->${link.to} on ${host}:${port}: ${error.message}` };
      context.onEvent(event);
    });
    server.on("connection", (socket) => {
      if (relay.closing) {
        socket.destroy();
        return;
      }
      const connection = new RelayedConnection(socket, context, (finished) => {
        relay.connections.delete(finished);
        relay.onConnectionFinished?.();
      });
      relay.connections.add(connection);
    });
    return relay;
  }

  /** Connections currently relayed (both sides not yet closed). */
  get connectionCount(): number {
    return this.connections.size;
  }

  passOnCloses(): void {
    for (const connection of this.connections) connection.passOnCloses();
  }

  flush(): void {
    for (const connection of this.connections) connection.flush();
  }

  /** Stops listening and closes every relayed connection; resolves when all their sockets
   *  (accepted and outgoing) have closed. */
  close(): Promise<void> {
    this.closing ??= Promise.all([
      new Promise<void>((resolve) => this.server.close(() => resolve())),
      new Promise<void>((resolve) => {
        this.onConnectionFinished = () => {
          if (this.connections.size === 0) resolve();
        };
        this.onConnectionFinished();
        for (const connection of this.connections) connection.destroy();
      }),
    ]).then(() => undefined);
    return this.closing;
  }
}
