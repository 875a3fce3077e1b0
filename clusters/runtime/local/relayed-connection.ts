// One TCP connection that node `from` opened to a relay, spliced onto a connection from the relay
// to node `to`'s real peer port, with a FramePipe per direction.
//
// Closing follows TCP: when one side finishes, the other side is sent FIN only after the frames it
// was still owed have been delivered — and not while the link that FIN would travel on is cut,
// because across a real partition the other side would not learn of the close either. The close
// is passed on when the partition heals. A side that closed completely cannot receive; its peer
// gets a grace period to close on its own before the relay closes it.

import net, { type Socket } from "node:net";
import { FramePipe } from "./frame-pipe.ts";
import type { LinkChannel } from "./link-channel.ts";
import type { Link } from "./link.ts";

export type ProxyEventKind = "upstream-unreachable" | "protocol-error" | "listener-error";

/** Something the proxy did on its own that a run's log should mention. */
export interface ProxyEvent {
  kind: ProxyEventKind;
  link: Link;
  message: string;
}

export interface ConnectionContext {
  /** Channel of the connecting node's frames (link from→to). */
  forward: LinkChannel;
  /** Channel of the replies (link to→from). */
  backward: LinkChannel;
  upstream: { host: string; port: number };
  closeGraceMs: number;
  onEvent(event: ProxyEvent): void;
}

interface Side {
  socket: Socket;
  /** The pipe that reads from this side. */
  outgoing: FramePipe;
  /** Channel of the frames this side sends. */
  channel: LinkChannel;
  closed: boolean;
  /** FIN from the other side has been passed on to this side. */
  endSent: boolean;
  graceTimer: NodeJS.Timeout | undefined;
}

export class RelayedConnection {
  private readonly client: Side;
  private readonly upstream: Side;
  private upstreamConnected = false;
  private finished = false;

  constructor(
    clientSocket: Socket,
    private readonly context: ConnectionContext,
    private readonly onFinished: (connection: RelayedConnection) => void,
  ) {
    const upstreamSocket = net.connect({ ...context.upstream, allowHalfOpen: true });
    clientSocket.setNoDelay(true);
    upstreamSocket.setNoDelay(true);
    const hooksFor = (channel: LinkChannel) => ({
      onProtocolError: (error: Error) => {
        context.onEvent({ kind: "protocol-error", link: channel.link, message: error.message });
        this.destroy();
      },
      onDrained: () => this.passOnCloses(),
    });
    this.client = this.side(clientSocket, new FramePipe(clientSocket, upstreamSocket, context.forward, hooksFor(context.forward)), context.forward);
    this.upstream = this.side(upstreamSocket, new FramePipe(upstreamSocket, clientSocket, context.backward, hooksFor(context.backward)), context.backward);

    upstreamSocket.once("connect", () => {
      this.upstreamConnected = true;
    });
    upstreamSocket.on("error", (error) => {
      if (this.upstreamConnected) return; // 'close' follows and is handled like any close.
      // The node is down (or not listening yet): the dialling node must see a failed connection,
      // as it would without the proxy, so that it retries.
      const { host, port } = context.upstream;
      context.onEvent({
        kind: "upstream-unreachable",
        link: context.forward.link,
        message: `relay ${context.forward.link.from}->${context.forward.link.to} could not reach ${host}:${port}: ${error.message}`,
      });
      this.destroy();
    });
  }

  /** Re-checks closes held back by a partition (after the grudge changed). */
  passOnCloses(): void {
    this.passOnClose(this.client, this.upstream);
    this.passOnClose(this.upstream, this.client);
  }

  /** Delivers every delayed or held frame now (on heal). */
  flush(): void {
    this.client.outgoing.flush();
    this.upstream.outgoing.flush();
    this.passOnCloses();
  }

  destroy(): void {
    this.client.socket.destroy();
    this.upstream.socket.destroy();
  }

  private side(socket: Socket, outgoing: FramePipe, channel: LinkChannel): Side {
    const side: Side = { socket, outgoing, channel, closed: false, endSent: false, graceTimer: undefined };
    socket.on("data", (chunk: Buffer) => outgoing.accept(chunk));
    socket.on("end", () => outgoing.finishSource());
    // Errors (ECONNRESET, EPIPE) are always followed by 'close', which is where they are handled.
    socket.on("error", () => {});
    socket.on("close", () => {
      side.closed = true;
      outgoing.finishSource();
      this.passOnCloses();
      this.finishIfBothClosed();
    });
    return side;
  }

  /** Sends FIN to `receiver` once `sender` has finished, its frames are out, and the link is open. */
  private passOnClose(sender: Side, receiver: Side): void {
    if (this.finished || receiver.endSent || receiver.socket.destroyed || !sender.outgoing.drained) return;
    if (sender.channel.conditions.cut) return;
    receiver.endSent = true;
    receiver.socket.end();
    if (sender.closed) {
      receiver.graceTimer = setTimeout(() => receiver.socket.destroy(), this.context.closeGraceMs);
    }
  }

  private finishIfBothClosed(): void {
    if (this.finished || !this.client.closed || !this.upstream.closed) return;
    this.finished = true;
    for (const side of [this.client, this.upstream]) {
      clearTimeout(side.graceTimer);
      side.outgoing.dispose();
    }
    this.onFinished(this);
  }
}
