// Peer messages of the textbook protocols' nodes (twopc, quorum): JSON in the length-prefixed
// frames of our Raft node's transport (clusters/raft/transport.ts), so that on the local runtime
// they pass Faultline's fault proxy — partitions, loss, delay, duplication and reordering act on
// whole messages. A leading format byte makes a payload from anything else fail loudly.

import { PeerTransport, type PeerAddress } from "../raft/transport.ts";

/** 'T' for textbook: distinct from the Raft wire format's 1. */
const FORMAT = 0x54;

export interface PeerLinkOptions<Message> {
  self: string;
  host: string;
  port: number;
  peers: readonly PeerAddress[];
  /** A decoded message that names this node as its receiver. */
  onMessage(message: Message): void;
  log(line: string): void;
  /** Checks a decoded value's shape; throws with what is wrong. */
  validate(value: unknown): Message;
}

export class PeerLink<Message extends { from: string; to: string; type: string }> {
  private readonly transport: PeerTransport;

  constructor(private readonly options: PeerLinkOptions<Message>) {
    this.transport = new PeerTransport({
      self: options.self,
      listenHost: options.host,
      listenPort: options.port,
      peers: options.peers,
      onPayload: (payload) => this.receive(payload),
      log: options.log,
    });
  }

  start(): Promise<void> {
    return this.transport.start();
  }

  /** Sends one message; a link that is down or congested drops it (the protocols time out). */
  send(message: Message): void {
    const body = Buffer.from(JSON.stringify(message), "utf8");
    const payload = Buffer.allocUnsafe(body.length + 1);
    payload[0] = FORMAT;
    body.copy(payload, 1);
    this.transport.send(message.to, payload);
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  private receive(payload: Buffer): void {
    let message: Message;
    try {
      if (payload[0] !== FORMAT) throw new Error(`it starts with byte ${payload[0]}, not the textbook nodes' format byte ${FORMAT}: the peer is not one of these nodes`);
      message = this.options.validate(JSON.parse(payload.subarray(1).toString("utf8")));
    } catch (error) {
      this.options.log(`dropping an undecodable peer message: ${(error as Error).message}`);
      return;
    }
    if (message.to !== this.options.self) {
      this.options.log(`dropping a ${message.type} for ${message.to} that reached ${this.options.self}: check --peers`);
      return;
    }
    this.options.onMessage(message);
  }
}
