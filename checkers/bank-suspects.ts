// Which transfers a bad bank read points at. A read with the wrong total, or one no set of
// concurrent and indeterminate transfers explains, shows money that moved in part or against what
// the system answered: a transfer whose deposit landed without its withdrawal (or the reverse), a
// failed transfer applied in full, an acknowledged one missing. The suspects are the smallest set
// of such transfers that — together with some subset of the transfers that may or may not have
// taken effect by the read — accounts for every balance the read returned, exactly.
//
// Evidence, not proof: balances only say how much money sits where, so another set of the same
// size may account for the read just as well (two failed transfers of the same amount into the
// same account cannot be told apart). The search says so — `unique` is false when it found a
// second set — and the verdict rests on the read itself, never on the suspects. The search is
// bounded (recent transfers only, at most three suspects, a cap on the concurrent subsets and on
// the work), and names nobody rather than guess when a bound is hit.

import type { Op } from "../harness/op.ts";
import { opRef, outcomeOf, type OpRef, type Outcome } from "./evidence.ts";

/** A parsed transfer: what it adds to each account (by position), in integer units. */
export interface Transfer {
  invoke: Op;
  completion: Op | undefined;
  from: number;
  to: number;
  /** Scaled to integer units (see the caller's scale). */
  amount: number;
  effect: Float64Array;
}

/** What of a suspect transfer the read shows. */
export type SuspectEffect =
  /** Its deposit without its withdrawal: money created. */
  | "deposit-only"
  /** Its withdrawal without its deposit: money destroyed. */
  | "withdrawal-only"
  /** All of it, although the system answered that it failed. */
  | "all"
  /** None of it, although the system acknowledged it before the read began. */
  | "none";

export interface Suspect {
  /** The transfer's invocation. */
  transfer: OpRef;
  outcome: Outcome;
  /** What the system answered, when it failed or was indeterminate (a transaction id, a reason). */
  error?: string;
  from: string;
  to: string;
  amount: number;
  effect: SuspectEffect;
}

export interface Suspects {
  /** A smallest set of transfers that accounts for the read (one to three). */
  transfers: Suspect[];
  /** The search found no other set of that size that does. */
  unique: boolean;
}

export interface SuspectSearch {
  accounts: readonly string[];
  /** Every parsed transfer of the history, failed ones included, in invocation order. */
  transfers: readonly Transfer[];
  /** Integer units per unit of money. */
  scale: number;
}

/** Transfers looked at, the latest invoked before the read ended: a broken transfer is usually
 *  recent, and the search grows with the square of this. */
const SUSPECT_POOL = 200;
/** Transfers that may or may not have applied by the read: their subsets are enumerated. */
const MAX_OPEN = 12;
const MAX_SUSPECTS = 3;
/** Sets of the smallest size collected before the likeliest is picked. */
const MAX_COMPARED = 64;
/** Vector lookups one read's search may make before it gives up. */
const MAX_WORK = 400_000;

interface Candidate {
  transfer: Transfer;
  /** Position in the open list, when the transfer may also have applied in full. */
  open: number;
  effect: SuspectEffect;
  /** What it adds to the read, per account. */
  vector: Float64Array;
  /** Lower is likelier (see candidatesFor). */
  rank: number;
  /** Its place in the preference order. */
  order: number;
}

/** The suspects for a read whose balances minus the initial ones are `observed` (integer units,
 *  per account by position); undefined when no set within the bounds accounts for it. */
export function findSuspects(search: SuspectSearch, readInvoke: Op, readCompletion: Op, observed: Float64Array): Suspects | undefined {
  const width = search.accounts.length;
  const target = Float64Array.from(observed);
  const open: Transfer[] = [];
  const seen: { transfer: Transfer; acknowledged: boolean }[] = [];
  for (const transfer of search.transfers) {
    if (transfer.invoke.index > readCompletion.index) continue;
    const acknowledged = acknowledgedBefore(transfer, readInvoke);
    if (acknowledged) for (let i = 0; i < width; i++) target[i] -= transfer.effect[i];
    else if (transfer.completion?.type !== "fail") open.push(transfer);
    seen.push({ transfer, acknowledged });
  }
  if (open.length > MAX_OPEN) return undefined;
  const openIndex = new Map(open.map((transfer, i) => [transfer, i]));

  // What the open transfers may have added: every subset's sum, with every subset reaching it
  // (two transfers alike reach the same sum, and a suspect must be left out of its subset).
  const sums = new Map<string, { sum: Float64Array; masks: number[] }>();
  for (let mask = 0; mask < 1 << open.length; mask++) {
    const sum = new Float64Array(width);
    for (let t = 0; t < open.length; t++) if (mask & (1 << t)) for (let i = 0; i < width; i++) sum[i] += open[t].effect[i];
    const key = vectorKey(sum);
    const entry = sums.get(key);
    if (entry) entry.masks.push(mask);
    else sums.set(key, { sum, masks: [mask] });
  }

  const candidates = candidatesFor(seen.slice(-SUSPECT_POOL), openIndex, width);
  const byVector = new Map<string, Candidate[]>();
  for (const candidate of candidates) {
    const key = vectorKey(candidate.vector);
    const list = byVector.get(key);
    if (list) list.push(candidate);
    else byVector.set(key, [candidate]);
  }

  const largest = Math.max(0, ...candidates.map((c) => c.transfer.amount));
  let work = 0;
  for (let size = 1; size <= MAX_SUSPECTS; size++) {
    const found: Candidate[][] = [];
    const seenSets = new Set<string>();
    const consider = (set: Candidate[], masks: readonly number[]): boolean => {
      const transfers = new Set(set.map((c) => c.transfer));
      if (transfers.size < set.length) return false;
      // A transfer cannot both apply in full (as one of the open subset) and in part.
      if (!masks.some((mask) => set.every((c) => c.open < 0 || !(mask & (1 << c.open))))) return false;
      const key = set.map((c) => c.order).sort((a, b) => a - b).join(",");
      if (seenSets.has(key)) return false;
      seenSets.add(key);
      found.push(set);
      return found.length >= MAX_COMPARED;
    };
    search: for (const { sum, masks } of sums.values()) {
      const need = new Float64Array(width);
      let off = 0;
      let distance = 0;
      for (let i = 0; i < width; i++) {
        need[i] = target[i] - sum[i];
        if (need[i] !== 0) off++;
        distance += Math.abs(need[i]);
      }
      // Each suspect moves at most two accounts by its amount: more accounts off, or more money
      // out of place, than `size` of them can move is out of reach.
      if (off > 2 * size || distance > 2 * size * largest) continue;
      if (size === 1) {
        work++;
        for (const c of byVector.get(vectorKey(need)) ?? []) if (consider([c], masks)) break search;
        continue;
      }
      // Two or three: the last is looked up, the others enumerated, and those only move accounts
      // the read has off, in their direction and by no more — a set all of whose enumerated parts
      // cancel on some account is not looked for, which is why `unique` is the search's word.
      work += candidates.length / 16;
      const pool = candidates.filter((c) => agrees(c.vector, need));
      for (let a = 0; a < pool.length; a++) {
        const restA = subtract(need, pool[a].vector);
        if (size === 2) {
          if (++work > MAX_WORK) return undefined;
          // The second may lie outside the pool; each set is counted once however it was reached.
          for (const c of byVector.get(vectorKey(restA)) ?? []) if (consider([pool[a], c], masks)) break search;
          continue;
        }
        for (let b = a + 1; b < pool.length; b++) {
          if (++work > MAX_WORK) return undefined;
          const rest = subtract(restA, pool[b].vector);
          for (const c of byVector.get(vectorKey(rest)) ?? []) if (consider([pool[a], pool[b], c], masks)) break search;
        }
      }
    }
    if (found.length > 0) {
      // The likeliest of the sets found: the lowest ranks, then the latest transfers.
      const score = (set: Candidate[]) => set.reduce((total, c) => total + c.rank, 0);
      const latest = (set: Candidate[]) => Math.max(...set.map((c) => c.transfer.invoke.index));
      const best = found.reduce((a, b) => (score(b) < score(a) || (score(b) === score(a) && latest(b) > latest(a)) ? b : a)).slice().sort((x, y) => x.order - y.order);
      return { transfers: best.map((c) => suspectOf(c, search)), unique: found.length === 1 };
    }
  }
  return undefined;
}

/** Every way a seen transfer could have gone wrong, likeliest first:
 *  0. part of a failed transfer — broken whatever the reads did;
 *  1. part of an indeterminate one, a failed one in full, an acknowledged one missing;
 *  2. part of one acknowledged after the read began — the read may have caught its commit midway;
 *  3. an acknowledged one missing a side.
 *  The latest first within a rank. */
function candidatesFor(seen: readonly { transfer: Transfer; acknowledged: boolean }[], openIndex: ReadonlyMap<Transfer, number>, width: number): Candidate[] {
  const list: Omit<Candidate, "order">[] = [];
  const side = (account: number, amount: number) => {
    const vector = new Float64Array(width);
    vector[account] = amount;
    return vector;
  };
  for (const { transfer, acknowledged } of seen) {
    const open = openIndex.get(transfer) ?? -1;
    const { from, to, amount } = transfer;
    if (acknowledged) {
      list.push({ transfer, open, effect: "none", vector: transfer.effect.map((x) => -x), rank: 1 });
      // Relative to the transfer applied in full: the missing side's money is back, or absent.
      list.push({ transfer, open, effect: "deposit-only", vector: side(from, amount), rank: 3 });
      list.push({ transfer, open, effect: "withdrawal-only", vector: side(to, -amount), rank: 3 });
    } else {
      const outcome = transfer.completion?.type;
      const rank = outcome === "fail" ? 0 : outcome === "ok" ? 2 : 1;
      list.push({ transfer, open, effect: "deposit-only", vector: side(to, amount), rank });
      list.push({ transfer, open, effect: "withdrawal-only", vector: side(from, -amount), rank });
      if (open < 0) list.push({ transfer, open, effect: "all", vector: Float64Array.from(transfer.effect), rank: 1 });
    }
  }
  return list
    .map((c, i) => ({ c, i }))
    .sort((x, y) => x.c.rank - y.c.rank || y.c.transfer.invoke.index - x.c.transfer.invoke.index || x.i - y.i)
    .map(({ c }, order) => ({ ...c, order }));
}

function suspectOf(candidate: Candidate, search: SuspectSearch): Suspect {
  const { transfer } = candidate;
  const outcome = outcomeOf({ invoke: transfer.invoke, completion: transfer.completion });
  const suspect: Suspect = {
    transfer: opRef(transfer.invoke),
    outcome,
    from: search.accounts[transfer.from],
    to: search.accounts[transfer.to],
    amount: transfer.amount / search.scale,
    effect: candidate.effect,
  };
  const error = transfer.completion?.error;
  if (outcome !== "ok" && typeof error === "string") suspect.error = error;
  return suspect;
}

/** The vector moves only accounts that `need` has off, each in the direction it is off and by no
 *  more than it is off. */
function agrees(vector: Float64Array, need: Float64Array): boolean {
  for (let i = 0; i < vector.length; i++) if (vector[i] !== 0 && (Math.sign(vector[i]) !== Math.sign(need[i]) || Math.abs(vector[i]) > Math.abs(need[i]))) return false;
  return true;
}

function subtract(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
  return out;
}

/** The transfer was acknowledged before the read began: the read must show it. */
export function acknowledgedBefore(transfer: Transfer, readInvoke: Op): boolean {
  return transfer.completion?.type === "ok" && transfer.completion.index < readInvoke.index;
}

/** A per-account vector as a map key (bank.ts's explainer keys its subset sums the same way). */
export function vectorKey(vector: ArrayLike<number>): string {
  return Array.prototype.join.call(vector, ",");
}
