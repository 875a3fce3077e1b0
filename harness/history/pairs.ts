// Matches each invocation with its completion. Every checker that reasons about op intervals
// starts here, so the rules live in one place:
//   - a process runs one op at a time: invoke, then exactly one ok | fail | info;
//   - an invoke left open when the history ends has no completion (treat it like info);
//   - the nemesis may log Jepsen-style info/info pairs: an info with nothing open opens one.

import type { Op, Process } from "../op.ts";

export interface OpPair {
  invoke: Op;
  /** Absent when the history ended before the op completed. */
  completion?: Op;
}

/** A history that breaks the invoke/complete protocol; `opIndex` is the offending op's index. */
export class HistoryPairingError extends Error {
  constructor(
    readonly opIndex: number,
    reason: string,
  ) {
    super(`op ${opIndex}: ${reason}`);
    this.name = "HistoryPairingError";
  }
}

/** Returns one pair per invocation, in invocation order. Throws HistoryPairingError for a
 *  completion with no open invoke, an invoke on a busy process, or a completion whose `f`
 *  differs from its invoke's. */
export function pairOps(history: readonly Op[]): OpPair[] {
  const pairs: OpPair[] = [];
  const open = new Map<Process, OpPair>();
  for (const op of history) {
    const pending = open.get(op.process);
    if (op.type === "invoke" || (op.process === "nemesis" && op.type === "info" && pending === undefined)) {
      if (pending !== undefined) {
        throw new HistoryPairingError(
          op.index,
          `process ${op.process} invokes ${op.f} while its ${pending.invoke.f} (op ${pending.invoke.index}) has not completed; a process runs one op at a time, so op ${pending.invoke.index} needs an ok, fail or info first`,
        );
      }
      const pair: OpPair = { invoke: op };
      pairs.push(pair);
      open.set(op.process, pair);
      continue;
    }
    if (pending === undefined) {
      throw new HistoryPairingError(
        op.index,
        `${op.type} ${op.f} on process ${op.process} completes nothing: that process has no open invoke; every ok, fail or info must follow an invoke by the same process`,
      );
    }
    if (op.f !== pending.invoke.f) {
      throw new HistoryPairingError(
        op.index,
        `${op.type} ${op.f} on process ${op.process} completes op ${pending.invoke.index}, which invoked ${pending.invoke.f}; a completion must carry its invoke's f`,
      );
    }
    pending.completion = op;
    open.delete(op.process);
  }
  return pairs;
}
