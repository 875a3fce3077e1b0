// One end of a learner–leader connection, with TCP's guarantee — every message, once, in order —
// made by the core over a network that may drop, duplicate and reorder (see types.ts).
//   - Each direction numbers its messages 0, 1, 2, … (`sequence`).
//   - The receiver hands them on in that order, holding back any that overtook an earlier one
//     (TCP's receive buffer) and ignoring what it has already seen.
//   - Every message also says how many of the other direction's messages its sender has received
//     in order (`acknowledged`, TCP's cumulative ACK); the sender keeps what is not acknowledged
//     yet and sends it again when acknowledgements stop coming (retransmission).
// A connection whose peer is gone shows as silence: the learner's and the leader's timeouts count
// only messages handed on, so they end it as a broken socket would be ended.

/** Held-back messages beyond this many mean the connection is hopeless. */
const MAX_HELD = 4096;
/** At most this many messages are sent again per retransmission, oldest first. */
const MAX_RETRANSMIT = 64;

export interface Sequenced {
  sequence: number;
  acknowledged: number;
}

export class ReliableLink<Message extends Sequenced> {
  private nextToSend: number;
  private nextToReceive: number;
  private readonly held = new Map<number, Message>();
  /** Sent and not yet acknowledged, in sequence order. */
  private unacknowledged: Message[] = [];
  private ticksWithoutAcknowledgement = 0;

  /** `sent` and `received`: how many messages each direction carried before the connection had a
   *  name (the learner's FOLLOWERINFO). */
  constructor(
    readonly connection: number,
    sent: number,
    received: number,
    private readonly retransmitTicks: number,
  ) {
    this.nextToSend = sent;
    this.nextToReceive = received;
  }

  /** Stamps and records an outgoing message: `make` builds it from its sequence number and the
   *  acknowledgement to carry. */
  send(make: (sequence: number, acknowledged: number) => Message): Message {
    const message = make(this.nextToSend++, this.nextToReceive);
    // Bounded by time rather than count: a peer that stops acknowledging falls silent too, and the
    // silence timeout ends the connection.
    this.unacknowledged.push(message);
    return message;
  }

  /** The messages that are now next in order (this one, and any it released), or "broken" when
   *  too many wait for one that never comes. */
  arrive(message: Message): Message[] | "broken" {
    this.acknowledge(message.acknowledged);
    const sequence = message.sequence;
    if (sequence < this.nextToReceive || this.held.has(sequence)) return [];
    if (sequence > this.nextToReceive) {
      this.held.set(sequence, message);
      return this.held.size > MAX_HELD ? "broken" : [];
    }
    const released = [message];
    this.nextToReceive++;
    for (let next = this.held.get(this.nextToReceive); next !== undefined; next = this.held.get(this.nextToReceive)) {
      this.held.delete(this.nextToReceive);
      released.push(next);
      this.nextToReceive++;
    }
    return released;
  }

  /** Once per tick: the messages to send again (with a fresh acknowledgement), if the peer has
   *  acknowledged nothing for retransmitTicks. */
  tick(): Message[] {
    if (this.unacknowledged.length === 0) {
      this.ticksWithoutAcknowledgement = 0;
      return [];
    }
    this.ticksWithoutAcknowledgement++;
    if (this.ticksWithoutAcknowledgement < this.retransmitTicks) return [];
    this.ticksWithoutAcknowledgement = 0;
    return this.unacknowledged.slice(0, MAX_RETRANSMIT).map((message) => ({ ...message, acknowledged: this.nextToReceive }));
  }

  /** Messages waiting for an earlier one. */
  get heldCount(): number {
    return this.held.size;
  }

  get unacknowledgedCount(): number {
    return this.unacknowledged.length;
  }

  private acknowledge(count: number): void {
    let drop = 0;
    while (drop < this.unacknowledged.length && this.unacknowledged[drop].sequence < count) drop++;
    if (drop === 0) return;
    this.unacknowledged = this.unacknowledged.slice(drop);
    this.ticksWithoutAcknowledgement = 0;
  }
}
