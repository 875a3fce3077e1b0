// Jepsen's bank test: transfers move money between accounts, reads return every balance at once.
// Whatever transfers happened, partially or not at all, a snapshot must show the same total in
// the same set of accounts, and no negative balance unless the system allows overdrafts. A read
// that breaks this saw a transfer half-applied (or money created or destroyed).
//
// Op shapes:
//   transfer  invoke value: {from: account, to: account, amount: positive number}; the checker
//             does not need its outcome, only reads are judged.
//   read      invoke value: null; ok value: {[account]: balance} with a number per account.
// Accounts are compared by their string form, since JSON object keys are strings.
//
// A total that balances is not enough: a transfer that was acknowledged and then vanished (a lost
// write) leaves the total intact. Given the initial balances, every read must also be explained
// by them plus every transfer acknowledged before the read began, plus some subset of the
// transfers that were concurrent with it or whose outcome is unknown (info) — those may or may not
// have taken effect by then. A read no subset explains is bad ("unexplained"). Finding the subset
// is a vector subset-sum; the search is pruned by what the remaining candidates can still add to
// each account and bounded: a read whose search outgrows the bound is undecided, and the verdict
// is at best unknown — never a guess.
//
// The first bad reads whose balances are all there also name suspects (bank-suspects.ts): the
// smallest set of transfers that, applied in part or against the system's answer, accounts for
// every balance — evidence for the reader, never part of the verdict.

import type { Checker, CheckResult, Validity } from "./checker.ts";
import { mergeValidity } from "./checker.ts";
import { pairOps } from "../harness/history/pairs.ts";
import type { Op } from "../harness/op.ts";
import { showValue, opRef, type MalformedOp, type OpRef } from "./evidence.ts";
import { acknowledgedBefore, findSuspects, vectorKey, type Suspects, type Transfer } from "./bank-suspects.ts";

export interface BankCheckerOptions {
  /** Every account the test created. */
  accounts: readonly (string | number)[];
  /** The sum of all balances, constant throughout. */
  total: number;
  /** Overdrafts are allowed by the system under test; default false. */
  negativeAllowed?: boolean;
  /** The balances before the first op; when given, every read must be explained by transfers. */
  initial?: Readonly<Record<string, number>>;
  /** Bound on the states the subset search of one read may hold; default 200 000. */
  maxSearchStates?: number;
}

export type BankErrorKind = "wrong-total" | "negative" | "missing" | "unexpected" | "not-a-number" | "unexplained";

/** Why no set of transfers explains a read. */
export interface Unexplained {
  /** Balances read minus the initial ones and every transfer acknowledged before the read began. */
  difference: Record<string, number>;
  /** Transfers that were concurrent with the read or indeterminate, any subset of which could
   *  have applied. */
  candidates: number;
}

export interface BadRead {
  read: OpRef;
  readInvoke: OpRef;
  kinds: BankErrorKind[];
  /** Sum of the numeric balances the read returned. */
  total: number;
  expectedTotal: number;
  /** Accounts with a negative balance (only when negatives are not allowed). */
  negative: Record<string, number>;
  missing: string[];
  unexpected: string[];
  /** Accounts whose balance is not a finite number, with what was returned. */
  notANumber: Record<string, string>;
  /** Set when the read is "unexplained". */
  unexplained?: Unexplained;
  /** For the first wrong-total or unexplained reads with every balance a number (see
   *  MAX_SUSPECTED_READS): the transfers that account for it, when a set within the search's
   *  bounds does. */
  suspects?: Suspects;
}

export interface BankResult extends CheckResult {
  reads: number;
  badReadCount: number;
  errorCounts: Record<BankErrorKind, number>;
  badReads: BadRead[];
  /** Reads whose explanation search outgrew its bound: neither explained nor refuted. */
  undecidedReads: { read: OpRef; candidates: number }[];
  /** Plot-ready totals: one point per ok read, at its completion. */
  totals: { index: number; timeNs: number; total: number; ok: boolean }[];
  malformed: MalformedOp[];
}

export function bankChecker(options: BankCheckerOptions): Checker {
  if (!Number.isFinite(options.total)) throw new RangeError(`bank checker needs a finite total, got ${options.total}`);
  if (options.accounts.length === 0) throw new RangeError("bank checker needs at least one account");
  return { name: "bank", check: (history) => checkBank(history, options) };
}

export function checkBank(history: readonly Op[], options: BankCheckerOptions): BankResult {
  const accounts = new Set(options.accounts.map(String));
  const malformed: MalformedOp[] = [];
  const badReads: BadRead[] = [];
  const totals: BankResult["totals"] = [];
  const errorCounts: Record<BankErrorKind, number> = { "wrong-total": 0, negative: 0, missing: 0, unexpected: 0, "not-a-number": 0, unexplained: 0 };
  const undecidedReads: BankResult["undecidedReads"] = [];
  let reads = 0;
  let suspected = 0;
  const pairs = pairOps(history);
  const explainer = options.initial ? new ReadExplainer(pairs, [...accounts], options.initial, options.maxSearchStates ?? DEFAULT_MAX_SEARCH_STATES, malformed) : undefined;

  for (const { invoke, completion } of pairs) {
    if (invoke.f !== "read" || invoke.process === "nemesis" || completion?.type !== "ok") continue;
    const balances = completion.value;
    if (typeof balances !== "object" || balances === null || Array.isArray(balances)) {
      malformed.push({ index: completion.index, reason: `read returned ${showValue(balances)}, not an {account: balance} object` });
      continue;
    }
    reads++;
    const bad: BadRead = {
      read: opRef(completion),
      readInvoke: opRef(invoke),
      kinds: [],
      total: 0,
      expectedTotal: options.total,
      negative: {},
      missing: [...accounts].filter((account) => !(account in balances)),
      unexpected: [],
      notANumber: {},
    };
    for (const [account, balance] of Object.entries(balances as Record<string, unknown>)) {
      if (!accounts.has(account)) bad.unexpected.push(account);
      if (typeof balance !== "number" || !Number.isFinite(balance)) {
        bad.notANumber[account] = showValue(balance);
        continue;
      }
      bad.total += balance;
      if (balance < 0 && !options.negativeAllowed) bad.negative[account] = balance;
    }
    // Sums of fractional amounts drift in floating point, so compare with a relative tolerance.
    if (Math.abs(bad.total - options.total) > Math.abs(options.total) * 1e-9) bad.kinds.push("wrong-total");
    if (Object.keys(bad.negative).length > 0) bad.kinds.push("negative");
    if (bad.missing.length > 0) bad.kinds.push("missing");
    if (bad.unexpected.length > 0) bad.kinds.push("unexpected");
    if (Object.keys(bad.notANumber).length > 0) bad.kinds.push("not-a-number");
    if (explainer && bad.kinds.length === 0) {
      const explanation = explainer.explain(invoke, completion, balances as Record<string, number>);
      if (explanation.kind === "unexplained") {
        bad.kinds.push("unexplained");
        bad.unexplained = explanation.unexplained;
      } else if (explanation.kind === "undecided") {
        undecidedReads.push({ read: opRef(completion), candidates: explanation.candidates });
      }
    }
    // Money out of place, every balance there: a negative balance alone moved no money.
    const misplaced = bad.kinds.includes("wrong-total") || bad.kinds.includes("unexplained");
    const whole = bad.missing.length === 0 && bad.unexpected.length === 0 && Object.keys(bad.notANumber).length === 0;
    if (explainer && misplaced && whole && suspected < MAX_SUSPECTED_READS) {
      suspected++;
      const suspects = explainer.suspects(invoke, completion, balances as Record<string, number>);
      if (suspects) bad.suspects = suspects;
    }
    for (const kind of bad.kinds) errorCounts[kind]++;
    if (bad.kinds.length > 0) badReads.push(bad);
    totals.push({ index: completion.index, timeNs: completion.time, total: bad.total, ok: bad.kinds.length === 0 });
  }

  let valid: Validity = reads === 0 ? "unknown" : badReads.length === 0;
  if (malformed.length > 0 || undecidedReads.length > 0) valid = mergeValidity([valid, "unknown"]);
  return { valid, reads, badReadCount: badReads.length, errorCounts, badReads, undecidedReads, totals, malformed };
}

const DEFAULT_MAX_SEARCH_STATES = 200_000;
/** Bad reads that get suspects named: the first ones, before later breakage piles onto the
 *  first (each costs a bounded search of its own). */
const MAX_SUSPECTED_READS = 5;
/** Balances are compared to this many decimal places: sums of fractional amounts drift. */
const SCALE = 1e6;

type Explanation = { kind: "explained" } | { kind: "undecided"; candidates: number } | { kind: "unexplained"; unexplained: Unexplained };

/** Explains reads by transfers (see the header). Reads are explained one at a time; each needs the
 *  transfers acknowledged before it began and those that may have overlapped it. */
class ReadExplainer {
  /** Every well-formed transfer, failed ones included (suspects may be failed transfers). */
  private readonly transfers: Transfer[] = [];
  private readonly position: Map<string, number>;

  constructor(
    pairs: readonly { invoke: Op; completion?: Op }[],
    private readonly accounts: readonly string[],
    private readonly initial: Readonly<Record<string, number>>,
    private readonly maxStates: number,
    malformed: MalformedOp[],
  ) {
    this.position = new Map(accounts.map((account, i) => [account, i]));
    for (const { invoke, completion } of pairs) {
      if (invoke.f !== "transfer" || invoke.process === "nemesis") continue;
      const value = invoke.value as { from?: unknown; to?: unknown; amount?: unknown } | null;
      const from = this.position.get(String(value?.from));
      const to = this.position.get(String(value?.to));
      if (from === undefined || to === undefined || typeof value?.amount !== "number" || !Number.isFinite(value.amount)) {
        malformed.push({ index: invoke.index, reason: `transfer ${showValue(invoke.value)} does not name two known accounts and a finite amount` });
        continue;
      }
      const effect = new Float64Array(accounts.length);
      const amount = Math.round(value.amount * SCALE);
      effect[from] -= amount;
      effect[to] += amount;
      this.transfers.push({ invoke, completion, from, to, amount, effect });
    }
  }

  explain(readInvoke: Op, readCompletion: Op, balances: Readonly<Record<string, number>>): Explanation {
    const target = this.observed(balances);
    const acknowledged: Transfer[] = [];
    const candidates: Transfer[] = [];
    for (const transfer of this.transfers) {
      if (transfer.invoke.index > readCompletion.index || transfer.completion?.type === "fail") continue;
      if (acknowledgedBefore(transfer, readInvoke)) acknowledged.push(transfer);
      else candidates.push(transfer);
    }
    for (const transfer of acknowledged) for (let i = 0; i < target.length; i++) target[i] -= transfer.effect[i];
    const reachable = this.subsetSums(candidates, target);
    if (reachable === "too-large") return { kind: "undecided", candidates: candidates.length };
    if (reachable.has(vectorKey(target))) return { kind: "explained" };
    const difference: Record<string, number> = {};
    this.accounts.forEach((account, i) => {
      if (target[i] !== 0) difference[account] = target[i] / SCALE;
    });
    return { kind: "unexplained", unexplained: { difference, candidates: candidates.length } };
  }

  /** Who the bad read `readCompletion` points at (bank-suspects.ts). */
  suspects(readInvoke: Op, readCompletion: Op, balances: Readonly<Record<string, number>>): Suspects | undefined {
    return findSuspects({ accounts: this.accounts, transfers: this.transfers, scale: SCALE }, readInvoke, readCompletion, this.observed(balances));
  }

  /** The balances read minus the initial ones, per account by position, in integer units. */
  private observed(balances: Readonly<Record<string, number>>): Float64Array {
    const observed = new Float64Array(this.accounts.length);
    this.accounts.forEach((account, i) => (observed[i] = Math.round((balances[account] - (this.initial[account] ?? 0)) * SCALE)));
    return observed;
  }

  /** Every sum of a subset of the candidates' effects that could still lead to the target, or
   *  "too-large" past the bound. Complete: when the target is not in the set, no subset reaches it
   *  (a state is only dropped when the candidates left cannot bring some account to the target). */
  private subsetSums(candidates: readonly Transfer[], target: Float64Array): Set<string> | "too-large" {
    const width = target.length;
    // What the candidates from position c on can still add to each account, at most and at least.
    const maxAdd = Array.from({ length: candidates.length + 1 }, () => new Float64Array(width));
    const minAdd = Array.from({ length: candidates.length + 1 }, () => new Float64Array(width));
    for (let c = candidates.length - 1; c >= 0; c--) {
      for (let i = 0; i < width; i++) {
        const delta = candidates[c].effect[i];
        maxAdd[c][i] = maxAdd[c + 1][i] + Math.max(0, delta);
        minAdd[c][i] = minAdd[c + 1][i] + Math.min(0, delta);
      }
    }
    const feasible = (sum: Float64Array, from: number) => {
      for (let i = 0; i < width; i++) {
        const needed = target[i] - sum[i];
        if (needed > maxAdd[from][i] || needed < minAdd[from][i]) return false;
      }
      return true;
    };
    let states = new Map<string, Float64Array>();
    const start = new Float64Array(width);
    if (feasible(start, 0)) states.set(vectorKey(start), start);
    for (let c = 0; c < candidates.length; c++) {
      const next = new Map<string, Float64Array>();
      for (const [key, sum] of states) {
        if (feasible(sum, c + 1)) next.set(key, sum);
        const taken = sum.map((value, i) => value + candidates[c].effect[i]);
        if (feasible(taken, c + 1)) next.set(vectorKey(taken), taken);
      }
      if (next.size > this.maxStates) return "too-large";
      states = next;
    }
    return new Set(states.keys());
  }
}
