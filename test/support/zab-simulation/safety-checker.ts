// ZAB's guarantees (Junqueira, Reed, Serafini: "Zab: High-performance broadcast for primary-backup
// systems", §3), checked against everything the simulated servers do. Knows the whole ensemble,
// which no server does.
//
//   primary-uniqueness  at most one established leader per epoch, and one proposal per zxid
//   integrity           a server delivers only what some leader broadcast, as it broadcast it
//   total-order         every server delivers the same sequence (each one a prefix of it): this
//                       is agreement and total order together
//   primary-order       a server delivers a leader's proposals in the order it made them, none
//                       skipped (zxid counters consecutive within an epoch)
//   primary-integrity   a leader establishing epoch e holds every proposal of an earlier epoch
//                       delivered anywhere, before or after
//   durable-state       persisted epochs never go back, and currentEpoch ≤ acceptedEpoch

import type { Epochs, Proposal, ServerId } from "../../../clusters/zab/core/types.ts";
import { counterOf, epochOf, formatZxid, type Zxid } from "../../../clusters/zab/core/zxid.ts";
import { InvariantChecker } from "../simulation/violation.ts";
import { proposalKey } from "./describe.ts";
import type { StateMachine } from "./state-machine.ts";

type ZabViolationKind = "primary-uniqueness" | "integrity" | "total-order" | "primary-order" | "primary-integrity" | "durable-state";

interface Established {
  leader: ServerId;
  /** Whether the leader's initial history held a zxid (its log, or below its snapshot). */
  held: (zxid: Zxid) => boolean;
}

export class ZabSafetyChecker extends InvariantChecker<ZabViolationKind> {
  /** zxid → the proposal a leader made there. */
  private readonly broadcast = new Map<Zxid, string>();
  /** The one total order: position (1-based) → proposal key. */
  private readonly order: string[] = [];
  private readonly digests = new Map<number, number>();
  private readonly deliveredZxids = new Set<Zxid>();
  private readonly established = new Map<number, Established>();

  /** A leader made a proposal. */
  proposed(leader: ServerId, proposal: Proposal): void {
    const key = proposalKey(proposal);
    const known = this.broadcast.get(proposal.zxid);
    if (known !== undefined && known !== key) this.fail("primary-uniqueness", `server ${leader} proposes ${key}, another leader proposed ${known} with the same zxid`);
    this.broadcast.set(proposal.zxid, key);
  }

  /** A leader established its epoch: its history (log, or below its snapshot) is the epoch's
   *  initial history. */
  establishedEpoch(leader: ServerId, epoch: number, log: readonly Proposal[], snapshotZxid: Zxid): void {
    const existing = this.established.get(epoch);
    if (existing !== undefined && existing.leader !== leader) this.fail("primary-uniqueness", `servers ${existing.leader} and ${leader} both established epoch ${epoch}`);
    if (existing !== undefined) return;
    const zxids = new Set(log.map((proposal) => proposal.zxid));
    const held = (zxid: Zxid) => zxid <= snapshotZxid || zxids.has(zxid);
    this.established.set(epoch, { leader, held });
    for (const zxid of this.deliveredZxids) {
      if (epochOf(zxid) < epoch && !held(zxid)) this.fail("primary-integrity", `server ${leader} establishes epoch ${epoch} without ${formatZxid(zxid)}, which was delivered`);
    }
  }

  /** A server delivered `proposal` to a state machine that was `before`. */
  delivered(server: ServerId, proposal: Proposal, before: StateMachine, after: StateMachine): void {
    const key = proposalKey(proposal);
    const zxid = proposal.zxid;
    const broadcast = this.broadcast.get(zxid);
    if (broadcast !== key) this.fail("integrity", `server ${server} delivers ${key}, ${broadcast === undefined ? "which no leader proposed" : `where the leader proposed ${broadcast}`}`);
    if (zxid <= before.lastZxid) this.fail("primary-order", `server ${server} delivers ${formatZxid(zxid)} after ${formatZxid(before.lastZxid)}`);
    else if (counterOf(zxid) > 1 && before.lastZxid !== zxid - 1n) this.fail("primary-order", `server ${server} delivers ${formatZxid(zxid)} after ${formatZxid(before.lastZxid)}, skipping ${formatZxid(zxid - 1n)}`);
    const position = after.count;
    const known = this.order[position - 1];
    if (known === undefined) {
      if (position - 1 !== this.order.length) this.fail("total-order", `server ${server} delivers ${key} at position ${position}, but the order is only ${this.order.length} long`);
      this.order[position - 1] = key;
    } else if (known !== key) {
      this.fail("total-order", `server ${server} delivers ${key} at position ${position}, where another server delivered ${known}`);
    }
    this.observeDigest(server, after);
    this.deliveredZxids.add(zxid);
    for (const [epoch, established] of this.established) {
      if (epoch > epochOf(zxid) && !established.held(zxid)) this.fail("primary-integrity", `server ${server} delivers ${key}, which server ${established.leader} lacked when it established epoch ${epoch}`);
    }
  }

  /** A state machine reached `stateMachine` (by delivering or from a snapshot): equal positions
   *  must mean equal contents. */
  observeDigest(server: ServerId, stateMachine: StateMachine): void {
    const known = this.digests.get(stateMachine.count);
    if (known === undefined) this.digests.set(stateMachine.count, stateMachine.digest);
    else if (known !== stateMachine.digest) this.fail("total-order", `server ${server}'s state machine after ${stateMachine.count} deliveries differs from another server's`);
  }

  observePersist(server: ServerId, previous: Epochs, next: Epochs): void {
    if (next.acceptedEpoch < previous.acceptedEpoch || next.currentEpoch < previous.currentEpoch) {
      this.fail("durable-state", `server ${server} persisted epochs ${next.acceptedEpoch}/${next.currentEpoch} after ${previous.acceptedEpoch}/${previous.currentEpoch}`);
    }
    if (next.currentEpoch > next.acceptedEpoch) this.fail("durable-state", `server ${server} persisted currentEpoch ${next.currentEpoch} above acceptedEpoch ${next.acceptedEpoch}`);
  }

  /** How many proposals the ensemble has delivered in its total order. */
  get deliveredCount(): number {
    return this.order.length;
  }

  /** Some server delivered the proposal at `zxid`. */
  wasDelivered(zxid: Zxid): boolean {
    return this.deliveredZxids.has(zxid);
  }
}
