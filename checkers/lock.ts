// A mutual-exclusion lock. Only holds that are certain count: a process certainly holds the lock
// from the completion of its ok acquire until it invokes its next release (whatever that release's
// outcome — a failed release means the lock thought it was no longer held, which is the bug this
// checker is for), or, for leases, until the lease can have run out. An acquire that ended info
// may or may not hold; it never makes an overlap certain. Two processes holding at once is a
// violation of mutual exclusion.
//
// With fencing tokens, every token-bearing op that succeeded must carry a token no lower than any
// token already accepted before it began (an ok acquire's token is accepted when it completes).
//
// Op shapes:
//   acquire  invoke value: null; ok value: null, a fencing token (number) or {token: number}.
//   release  invoke value: null, the token the acquire returned, or {token: number}.
//   any other f whose invoke value is {token: number} (e.g. a fenced write) takes part in the
//   token check when ok.

import type { Checker, CheckResult, Validity } from "./checker.ts";
import { pairOps, type OpPair } from "../harness/history/pairs.ts";
import type { Op, Process } from "../harness/op.ts";
import { NS_PER_MS } from "../harness/clock.ts";
import { opRef, outcomeOf, type OpRef } from "./evidence.ts";

export interface LockCheckerOptions {
  /** The lock is a lease of this length, granted no earlier than the acquire's invocation. */
  leaseMs?: number;
}

export interface HoldEvidence {
  process: Process;
  acquire: OpRef;
  acquired: OpRef;
  /** The release whose invocation ended the hold; null if it never released. */
  release: OpRef | null;
  token: number | null;
  /** What bounds the certain hold: the release's invocation, the lease running out, or nothing. */
  certainUntil: "release" | "lease" | "end of history";
}

export interface TokenOpEvidence {
  f: string;
  token: number;
  invoke: OpRef;
  completion: OpRef;
}

export interface LockResult extends CheckResult {
  counts: { acquires: number; acquired: number; holds: number; overlaps: number; staleTokens: number; duplicateTokens: number };
  /** Pairs of certain holds by different processes that overlap in real time. */
  overlaps: { first: HoldEvidence; second: HoldEvidence }[];
  /** A token accepted after a higher one had been accepted. */
  staleTokens: { op: TokenOpEvidence; afterHigher: TokenOpEvidence }[];
  /** One token handed to more than one acquire. */
  duplicateTokens: { token: number; acquires: OpRef[] }[];
}

export function lockChecker(options: LockCheckerOptions = {}): Checker {
  if (options.leaseMs !== undefined && !(options.leaseMs > 0)) throw new RangeError(`lock checker leaseMs must be positive, got ${options.leaseMs}`);
  return { name: "lock", check: (history) => checkLock(history, options) };
}

/** The token an op value carries, if any. */
export function tokenOf(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "object" && value !== null) {
    const token = (value as { token?: unknown }).token;
    if (typeof token === "number" && Number.isFinite(token)) return token;
  }
  return undefined;
}

interface Hold {
  acquire: OpPair;
  release?: OpPair;
  /** Index of the acquire's completion: the hold is certain just after it. */
  start: number;
  /** The hold is certain up to just before the op with this index. */
  end: number;
  certainUntil: HoldEvidence["certainUntil"];
}

export function checkLock(history: readonly Op[], options: LockCheckerOptions = {}): LockResult {
  const pairs = pairOps(history).filter((pair) => pair.invoke.process !== "nemesis");
  const leaseEnd = leaseBound(history, options.leaseMs);

  const holds: Hold[] = [];
  const current = new Map<Process, Hold>();
  let acquires = 0;
  let acquired = 0;
  const finish = (hold: Hold, releaseIndex: number) => {
    const leaseIndex = leaseEnd(hold.acquire.invoke);
    hold.end = Math.min(releaseIndex, leaseIndex);
    if (leaseIndex < releaseIndex) hold.certainUntil = "lease";
    holds.push(hold);
  };
  for (const pair of pairs) {
    const process = pair.invoke.process;
    if (pair.invoke.f === "acquire") {
      acquires++;
      if (outcomeOf(pair) !== "ok" || !pair.completion) continue;
      acquired++;
      // A second ok acquire while holding (a re-entrant grant) extends nothing: the first still holds.
      if (!current.has(process)) current.set(process, { acquire: pair, start: pair.completion.index, end: Infinity, certainUntil: "release" });
    } else if (pair.invoke.f === "release") {
      const hold = current.get(process);
      if (!hold) continue;
      current.delete(process);
      hold.release = pair;
      finish(hold, pair.invoke.index);
    }
  }
  for (const hold of current.values()) {
    hold.certainUntil = "end of history";
    finish(hold, Infinity);
  }

  const overlaps = findOverlaps(holds);
  const { staleTokens, duplicateTokens } = checkTokens(pairs);
  let valid: Validity;
  if (overlaps.length > 0 || staleTokens.length > 0 || duplicateTokens.length > 0) valid = false;
  else valid = acquired === 0 ? "unknown" : true;
  return {
    valid,
    counts: { acquires, acquired, holds: holds.length, overlaps: overlaps.length, staleTokens: staleTokens.length, duplicateTokens: duplicateTokens.length },
    overlaps,
    staleTokens,
    duplicateTokens,
  };
}

/** For an acquire invoked at time t, the index of the first op at or after t + lease: the lease
 *  may have run out any time after the op before it. */
function leaseBound(history: readonly Op[], leaseMs: number | undefined): (acquire: Op) => number {
  if (leaseMs === undefined) return () => Infinity;
  return (acquire) => {
    const expiresNs = acquire.time + leaseMs * NS_PER_MS;
    let low = 0;
    let high = history.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (history[middle].time < expiresNs) low = middle + 1;
      else high = middle;
    }
    return low < history.length ? history[low].index : Infinity;
  };
}

/** Sweeps holds by start; a hold overlaps an earlier-starting one that has not yet ended. */
function findOverlaps(holds: readonly Hold[]): LockResult["overlaps"] {
  const overlaps: LockResult["overlaps"] = [];
  const byStart = holds.filter((hold) => hold.start < hold.end).sort((a, b) => a.start - b.start);
  let active: Hold[] = [];
  for (const hold of byStart) {
    active = active.filter((other) => other.end > hold.start);
    for (const other of active) {
      if (other.acquire.invoke.process !== hold.acquire.invoke.process) overlaps.push({ first: evidenceOf(other), second: evidenceOf(hold) });
    }
    active.push(hold);
  }
  return overlaps;
}

function evidenceOf(hold: Hold): HoldEvidence {
  return {
    process: hold.acquire.invoke.process,
    acquire: opRef(hold.acquire.invoke),
    acquired: opRef(hold.acquire.completion as Op),
    release: hold.release ? opRef(hold.release.invoke) : null,
    token: tokenOf(hold.acquire.completion?.value) ?? null,
    certainUntil: hold.certainUntil,
  };
}

interface TokenOp {
  pair: OpPair;
  completion: Op;
  token: number;
}

function checkTokens(pairs: readonly OpPair[]): Pick<LockResult, "staleTokens" | "duplicateTokens"> {
  const tokenOps: TokenOp[] = [];
  const acquiresByToken = new Map<number, OpRef[]>();
  for (const pair of pairs) {
    if (pair.completion?.type !== "ok") continue;
    const token = pair.invoke.f === "acquire" ? tokenOf(pair.completion.value) : tokenOf(pair.invoke.value);
    if (token === undefined) continue;
    tokenOps.push({ pair, completion: pair.completion, token });
    if (pair.invoke.f === "acquire") acquiresByToken.set(token, [...(acquiresByToken.get(token) ?? []), opRef(pair.completion)]);
  }

  // A token op must not carry a lower token than any accepted before it began.
  const staleTokens: LockResult["staleTokens"] = [];
  const byCompletion = tokenOps.slice().sort((a, b) => a.completion.index - b.completion.index);
  const byInvoke = tokenOps.slice().sort((a, b) => a.pair.invoke.index - b.pair.invoke.index);
  let completed = 0;
  let highest: TokenOp | undefined;
  for (const op of byInvoke) {
    while (completed < byCompletion.length && byCompletion[completed].completion.index < op.pair.invoke.index) {
      if (!highest || byCompletion[completed].token > highest.token) highest = byCompletion[completed];
      completed++;
    }
    if (highest && op.token < highest.token) staleTokens.push({ op: tokenEvidence(op), afterHigher: tokenEvidence(highest) });
  }

  const duplicateTokens = [...acquiresByToken].filter(([, acquires]) => acquires.length > 1).map(([token, acquires]) => ({ token, acquires }));
  return { staleTokens, duplicateTokens };
}

function tokenEvidence(op: TokenOp): TokenOpEvidence {
  return { f: op.pair.invoke.f, token: op.token, invoke: opRef(op.pair.invoke), completion: opRef(op.completion) };
}
