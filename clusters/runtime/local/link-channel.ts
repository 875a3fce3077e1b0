// Everything the proxy keeps per directed link: its current conditions, its own random stream and
// its counters. Every connection relaying frames on the link (there may be several: redials, or
// replies on a connection the other node opened) shares one channel.

import type { Rng } from "../../../harness/rng.ts";
import { HEALTHY, type Link, type LinkConditions, linkRng } from "./link.ts";

/** What happened to the frames of one directed link since the proxy started. */
export interface LinkStats {
  /** Whole frames read from the sender. */
  received: number;
  /** Frames written to the receiver (duplicates counted twice). */
  delivered: number;
  droppedByPartition: number;
  droppedByFault: number;
  /** Frames sent twice. */
  duplicated: number;
  /** Frames held back so that a later one could overtake them. */
  heldBack: number;
  /** Frames that had nowhere to go because the receiving socket had already closed. */
  droppedClosed: number;
  /** Frames delivered after waiting in the delay queue, and how long they waited (ms): measured
   *  at delivery, so what the link really did, not what it was told. */
  delayed: number;
  delayMsTotal: number;
  delayMsMax: number;
}

export class LinkChannel {
  conditions: LinkConditions = HEALTHY;
  readonly stats: LinkStats = {
    received: 0,
    delivered: 0,
    droppedByPartition: 0,
    droppedByFault: 0,
    duplicated: 0,
    heldBack: 0,
    droppedClosed: 0,
    delayed: 0,
    delayMsTotal: 0,
    delayMsMax: 0,
  };
  readonly rng: Rng;

  constructor(
    readonly link: Link,
    seed: number,
    /** How long a held-back frame waits for a successor before it is released anyway. */
    readonly reorderHoldMs: number,
  ) {
    this.rng = linkRng(seed, link);
  }
}
