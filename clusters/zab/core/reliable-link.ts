// One end of a learner–leader connection, with TCP's guarantee — every message, once, in order —
// made by the core over a network that may drop, duplicate and reorder (see types.ts).
//   - Each direction numbers its messages 0, 1, 2, … (`sequence`).
//   - The receiver hands them on in that order, holding back any that overtook an earlier one
//     (TCP's receive buffer) and ignoring what it has already seen.
//   - Every message also says how many of the other direction's messages its sender has received
//     in order (`acknowledged`, TCP's cumulative ACK); the sender keeps what is not acknowledged
//     yet and sends it again once it has waited a retransmission timeout (RTO) for it.
//   - The RTO is TCP's (RFC 6298, in ticks): the smoothed round trip plus four times its
//     variation, never below retransmitTicks, doubled for each retransmission of the same
//     message. On a loaded machine the round trip grows to several ticks, and a fixed timeout would
//     send everything in flight again and again, adding to the load that slowed it.
//   - Unlike TCP's, the RTO is capped at maxTimeoutTicks, well below the silence timeout
//     (syncLimit): after a partition heals, the first retransmission must arrive before either end
//     gives up on the connection, or a healed ensemble loses its leader for nothing.
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
  /** Sent and not yet acknowledged, in sequence order, with the tick each was last sent at and
   *  whether it was sent more than once (its round trip is then ambiguous: Karn's rule). */
  private unacknowledged: { message: Message; sentTick: number; resent: boolean }[] = [];
  private ticks = 0;
  /** Smoothed round trip and its variation, in ticks; undefined before the first sample. */
  private smoothedRtt: number | undefined;
  private rttVariation = 0;
  /** Doubles with each retransmission round that gets no new acknowledgement. */
  private backoff = 1;

  /** `sent` and `received`: how many messages each direction carried before the connection had a
   *  name (the learner's FOLLOWERINFO). */
  constructor(
    readonly connection: number,
    sent: number,
    received: number,
    private readonly retransmitTicks: number,
    private readonly maxTimeoutTicks: number,
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
    this.unacknowledged.push({ message, sentTick: this.ticks, resent: false });
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

  /** Once per tick: the messages to send again (with a fresh acknowledgement), oldest first, that
   *  have waited an RTO since they were last sent. */
  tick(): Message[] {
    this.ticks++;
    const oldest = this.unacknowledged[0];
    if (oldest === undefined) return [];
    const timeout = this.timeoutTicks();
    if (this.ticks - oldest.sentTick < timeout) return [];
    const again: Message[] = [];
    for (const entry of this.unacknowledged) {
      if (again.length >= MAX_RETRANSMIT || this.ticks - entry.sentTick < timeout) break;
      entry.sentTick = this.ticks;
      entry.resent = true;
      again.push({ ...entry.message, acknowledged: this.nextToReceive });
    }
    if (this.timeoutTicks() < this.maxTimeoutTicks) this.backoff *= 2;
    return again;
  }

  /** The retransmission timeout now, in ticks. */
  timeoutTicks(): number {
    const estimate = this.smoothedRtt === undefined ? 0 : Math.ceil(this.smoothedRtt + 4 * this.rttVariation);
    return Math.max(this.retransmitTicks, Math.min(Math.max(this.retransmitTicks, estimate) * this.backoff, this.maxTimeoutTicks));
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
    while (drop < this.unacknowledged.length && this.unacknowledged[drop].message.sequence < count) drop++;
    if (drop === 0) return;
    const newest = this.unacknowledged[drop - 1];
    if (!newest.resent) this.sampleRtt(this.ticks - newest.sentTick);
    this.unacknowledged = drop === this.unacknowledged.length ? [] : this.unacknowledged.slice(drop);
    this.backoff = 1;
  }

  /** RFC 6298's estimator (alpha 1/8, beta 1/4). */
  private sampleRtt(ticks: number): void {
    if (this.smoothedRtt === undefined) {
      this.smoothedRtt = ticks;
      this.rttVariation = ticks / 2;
      return;
    }
    this.rttVariation = 0.75 * this.rttVariation + 0.25 * Math.abs(this.smoothedRtt - ticks);
    this.smoothedRtt = 0.875 * this.smoothedRtt + 0.125 * ticks;
  }
}
