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

import type { Checker, CheckResult, Validity } from "./checker.ts";
import { mergeValidity } from "./checker.ts";
import { pairOps } from "../harness/history/pairs.ts";
import type { Op } from "../harness/op.ts";
import { showValue, opRef, type MalformedOp, type OpRef } from "./evidence.ts";

export interface BankCheckerOptions {
  /** Every account the test created. */
  accounts: readonly (string | number)[];
  /** The sum of all balances, constant throughout. */
  total: number;
  /** Overdrafts are allowed by the system under test; default false. */
  negativeAllowed?: boolean;
}

export type BankErrorKind = "wrong-total" | "negative" | "missing" | "unexpected" | "not-a-number";

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
}

export interface BankResult extends CheckResult {
  reads: number;
  badReadCount: number;
  errorCounts: Record<BankErrorKind, number>;
  badReads: BadRead[];
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
  const errorCounts: Record<BankErrorKind, number> = { "wrong-total": 0, negative: 0, missing: 0, unexpected: 0, "not-a-number": 0 };
  let reads = 0;

  for (const { invoke, completion } of pairOps(history)) {
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
    for (const kind of bad.kinds) errorCounts[kind]++;
    if (bad.kinds.length > 0) badReads.push(bad);
    totals.push({ index: completion.index, timeNs: completion.time, total: bad.total, ok: bad.kinds.length === 0 });
  }

  let valid: Validity = reads === 0 ? "unknown" : badReads.length === 0;
  if (malformed.length > 0) valid = mergeValidity([valid, "unknown"]);
  return { valid, reads, badReadCount: badReads.length, errorCounts, badReads, totals, malformed };
}
