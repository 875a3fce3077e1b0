// How fault kinds share a run that composes more of them than can usefully be in force at once
// (`--nemesis all` is eight kinds on our Raft, five on our ZAB).
//
// With every kind's lane running all the time (Jepsen's gen/any over every package), our Raft was
// rarely up (1–44% of client ops ok; a healthy run could end with 7 ops to judge), and
// vote-without-log-check, which needs a leader to fail while a partition leaves some nodes behind,
// was caught in 2 of 5 runs against 6 of 8 under partition,kill,pause alone: a kill or pause
// mostly landed on a cluster that had no leader left to lose. Taking turns two kinds at a time (a
// shuffled rotation, or one kind that leaves nodes behind with one that takes nodes down) kept
// 56–89% of ops ok, but gave each kind a fifth of the run or less, and caught
// vote-without-log-check in 0 of 6 runs and no-fsync in 2 of 6: partitions overlapped leader
// failures, and kills hit the whole cluster, too rarely (measured 2026-12-06, seeds 1–3 twice).
//
// So the standard mix — partition, kill and pause, the composition every bug switch's hunt is
// calibrated against — stays in force all run, each kind on its own lane as with three kinds, and
// the other kinds (link, disk, clock, reactive, member) take turns on top of it, one at a time, in
// a seeded shuffled order: each turn is a slot of up to four nemesis intervals that opens with one
// fault of the kind (its usual duration) and is quiet for the rest (harness/run/run-shape.ts). At
// most four kinds are in force at once; every kind still meets partitions, kills and pauses, and
// for most of the run the standard mix acts alone. A first try at this — the other kinds' lanes
// running for their whole slot, one to three faults each — took our Raft down to 31–45% of ops ok
// and caught vote-without-log-check in 1 of 3 runs and no-fsync in 0 of 3, against 3 of 3 and 2 of
// 3 under partition,kill,pause at the same load. Slots are shortened so that every other kind gets
// its turn within the run (30 s on our Raft: five turns of 6 s).
//
// A staged fault (FaultPair.solo: reactive figure-8, which plays Raft's Figure 8 over several
// elections) cannot be staged while kills and partitions strike around it: under `--nemesis all`
// with its mode among the others it never got far (commit-old-term judged valid, 60 s, seed 1,
// 2026-12-06). It gets a turn of SOLO_SLOT_NS to itself instead, with the standing kinds healed
// and held off (run-shape.ts), in runs long enough that the standard mix still has three quarters
// of the time (soloTurnsFit); in shorter runs its mode stays in its kind's lane as before.

import type { Rng } from "../rng.ts";
import { faultKinds } from "../../nemeses/catalog.ts";

/** Up to this many fault kinds, every lane runs for the whole run; more take turns. */
export const MAX_CONCURRENT_LANES = 3;
/** The standard mix, in force all run however many other kinds are composed with it. */
export const STANDING_KINDS: readonly string[] = Object.values(faultKinds)
  .filter((kind) => kind.standing === true)
  .map((kind) => kind.name);
/** A slot, in nemesis intervals, when the run is long enough for every kind at that pace: two or
 *  three faults of the kind, with the healthy waits between them. */
const SLOT_INTERVALS = 4;

/** One kind's turn: its lane runs from startNs to endNs after the main phase begins. */
export interface FaultTurn {
  /** Index of the kind in the list given to faultTurns. */
  kind: number;
  startNs: number;
  endNs: number;
}

/** The kinds (indices into `kinds`) whose lanes run all run: every kind, up to three of them;
 *  otherwise those of the standard mix. */
export function standingKinds(kinds: readonly string[]): number[] {
  const indices = [...kinds.keys()];
  return kinds.length <= MAX_CONCURRENT_LANES ? indices : indices.filter((i) => STANDING_KINDS.includes(kinds[i]));
}

/** A staged fault's turn: long enough for Figure 8's several elections to play out a few times. */
export const SOLO_SLOT_NS = 15_000_000_000;

/** Whether a run of `timeNs` gives staged faults turns of their own: the standard mix keeps at
 *  least three quarters of it. */
export function soloTurnsFit(timeNs: number): boolean {
  return timeNs >= 4 * SOLO_SLOT_NS;
}

/** The turns of the kinds that do not stand (see the top of this file), one at a time, back to
 *  back from the start of the run to its end; none when every kind stands. The kinds in `solo`
 *  (indices) are staged faults whose turn is SOLO_SLOT_NS, or a slot if that is longer; one whose
 *  whole turn no longer fits before the end is passed over. Without an Rng the turns go in the
 *  order given. Pure: one Rng state gives the same turns. */
export function faultTurns(kinds: readonly string[], timeNs: number, intervalNs: number, rng?: Rng, solo: readonly number[] = []): FaultTurn[] {
  if (!(timeNs > 0 && intervalNs > 0)) throw new Error(`faultTurns() needs a positive run time and nemesis interval, got ${timeNs} and ${intervalNs} ns`);
  const standing = standingKinds(kinds);
  const rotating = [...kinds.keys()].filter((i) => !standing.includes(i));
  if (rotating.length === 0) return [];
  const slotNs = Math.max(1, Math.min(SLOT_INTERVALS * intervalNs, Math.floor(timeNs / rotating.length)));
  const soloNs = Math.max(slotNs, SOLO_SLOT_NS);
  const turns: FaultTurn[] = [];
  let round: number[] = [];
  for (let startNs = 0; startNs < timeNs; ) {
    if (round.length === 0) {
      round = rng ? rng.shuffle(rotating) : rotating.slice();
      // The last round's final kind must not open this one: it would simply go on.
      const last = turns[turns.length - 1]?.kind;
      if (round.length > 1 && round[0] === last) [round[0], round[1]] = [round[1], round[0]];
    }
    const kind = round.shift()!;
    const isSolo = solo.includes(kind);
    if (isSolo && startNs + soloNs > timeNs && rotating.some((other) => !solo.includes(other))) continue;
    const endNs = Math.min(startNs + (isSolo ? soloNs : slotNs), timeNs);
    turns.push({ kind, startNs, endNs });
    startNs = endNs;
  }
  return turns;
}
