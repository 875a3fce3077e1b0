// Queues, in two shapes: unordered (the default, below) and per partition, a log with offsets
// (partitioned-log.ts); queueChecker picks one.
//
// Unordered (Jepsen's total-queue): every enqueued value should be dequeued exactly once, in any
// order.
//   enqueue  invoke value: the message (number or string; others compared by their JSON), or
//            {value: message}; ok value ignored.
//   dequeue  invoke value: null; ok value: the message taken, or null when the queue was empty.
//   drain    invoke value: null; ok value: array of every message left (run after healing).
// lost:       acknowledged, never dequeued, although a drain began after the acknowledgement;
//             when there were at least as many indeterminate dequeues as lost messages (or an
//             indeterminate drain), they may have taken them, so lost only makes the verdict unknown.
// duplicated: dequeued more often than it was enqueued (by enqueues that did not fail).
// unexpected: dequeued although no enqueue of it that could have happened had begun.
// recovered:  enqueue indeterminate (info), yet dequeued: fine, reported for interest.
// unresolved: acknowledged, not dequeued, and no drain began after: the verdict is unknown.

import type { Checker, CheckResult, Validity } from "./checker.ts";
import { mergeValidity } from "./checker.ts";
import { pairOps, type OpPair } from "../harness/history/pairs.ts";
import type { Op } from "../harness/op.ts";
import { completionIndexOf, showValue, opRef, outcomeOf, type MalformedOp, type OpRef } from "./evidence.ts";
import { checkPartitionedLog } from "./partitioned-log.ts";
import { type Enqueues, type MessageKey, collectEnqueues, countMessages, explained, keyOf } from "./queue-messages.ts";

export interface QueueCheckerOptions {
  /** "per-partition" for a partitioned log with offsets; unordered queue semantics otherwise. */
  ordered?: "per-partition";
}

export function queueChecker(options: QueueCheckerOptions = {}): Checker {
  return { name: "queue", check: (history) => (options.ordered === "per-partition" ? checkPartitionedLog(history) : checkQueue(history)) };
}

export interface QueueMessageEvidence {
  message: unknown;
  enqueue: OpRef | null;
  enqueueCompletion: OpRef | null;
}

export interface QueueResult extends CheckResult {
  mode: "unordered";
  counts: {
    attempted: number;
    acknowledged: number;
    dequeued: number;
    drains: number;
    indeterminateDequeues: number;
    indeterminateDrains: number;
    lost: number;
    duplicated: number;
    unexpected: number;
    recovered: number;
    unresolved: number;
  };
  lost: QueueMessageEvidence[];
  /** True when indeterminate dequeues or drains could have taken every lost message. */
  lostMayBeIndeterminateDequeues: boolean;
  duplicated: { message: unknown; enqueued: number; dequeued: number; dequeues: OpRef[] }[];
  unexpected: { message: unknown; dequeues: OpRef[]; failedEnqueues: OpRef[] }[];
  recovered: (QueueMessageEvidence & { dequeue: OpRef })[];
  unresolved: QueueMessageEvidence[];
  malformed: MalformedOp[];
}

export function checkQueue(history: readonly Op[]): QueueResult {
  const pairs = pairOps(history).filter((pair) => pair.invoke.process !== "nemesis");
  const enqueues = collectEnqueues(pairs);
  const malformed: MalformedOp[] = [];
  const dequeues = new Map<MessageKey, { message: unknown; ops: Op[] }>();
  let indeterminateDequeues = 0;
  let indeterminateDrains = 0;
  let drains = 0;
  let dequeueOks = 0;
  let lastDrainInvoke = -1;

  const taken = (message: unknown, completion: Op) => {
    const key = keyOf(message);
    const entry = dequeues.get(key) ?? { message, ops: [] };
    entry.ops.push(completion);
    dequeues.set(key, entry);
  };
  for (const pair of pairs) {
    const { invoke, completion } = pair;
    if (invoke.f !== "dequeue" && invoke.f !== "drain") continue;
    const outcome = outcomeOf(pair);
    if (outcome === "info") {
      if (invoke.f === "dequeue") indeterminateDequeues++;
      else indeterminateDrains++;
      continue;
    }
    if (outcome === "fail" || !completion) continue;
    if (invoke.f === "dequeue") {
      dequeueOks++;
      if (completion.value !== null && completion.value !== undefined) taken(completion.value, completion);
    } else if (Array.isArray(completion.value)) {
      drains++;
      lastDrainInvoke = Math.max(lastDrainInvoke, invoke.index);
      for (const message of completion.value) taken(message, completion);
    } else {
      malformed.push({ index: completion.index, reason: `drain returned ${showValue(completion.value)}, not an array of messages` });
    }
  }

  const duplicated: QueueResult["duplicated"] = [];
  const unexpected: QueueResult["unexpected"] = [];
  const recovered: QueueResult["recovered"] = [];
  let dequeuedCount = 0;
  for (const [key, { message, ops }] of dequeues) {
    dequeuedCount += ops.length;
    const entry = enqueues.get(key);
    const unexplained = ops.filter((op) => !explained(entry, op.index));
    if (unexplained.length > 0) {
      unexpected.push({ message, dequeues: unexplained.map(opRef), failedEnqueues: (entry?.failed ?? []).map((pair) => opRef(pair.invoke)) });
    }
    const enqueued = entry?.attempts.length ?? 0;
    if (enqueued > 0 && ops.length > enqueued) duplicated.push({ message, enqueued, dequeued: ops.length, dequeues: ops.map(opRef) });
    if (entry && entry.acknowledged.length === 0 && entry.attempts.length > 0) {
      recovered.push({ ...evidenceOf(entry, entry.attempts[0]), dequeue: opRef(ops[0]) });
    }
  }

  const lost: QueueMessageEvidence[] = [];
  const unresolved: QueueMessageEvidence[] = [];
  for (const [key, entry] of enqueues) {
    if (entry.acknowledged.length === 0) continue;
    const dequeued = dequeues.get(key)?.ops.length ?? 0;
    const ackedBeforeLastDrain = entry.acknowledged.filter((pair) => completionIndexOf(pair) < lastDrainInvoke);
    if (dequeued >= entry.acknowledged.length) continue;
    // Only acknowledgements a drain could have seen count as lost; the rest are unresolved.
    if (ackedBeforeLastDrain.length > dequeued) lost.push(evidenceOf(entry, ackedBeforeLastDrain[0]));
    else unresolved.push(evidenceOf(entry, entry.acknowledged[0]));
  }

  const lostMayBeIndeterminateDequeues = lost.length > 0 && (indeterminateDrains > 0 || lost.length <= indeterminateDequeues);
  let valid: Validity;
  if (unexpected.length > 0 || duplicated.length > 0 || (lost.length > 0 && !lostMayBeIndeterminateDequeues)) valid = false;
  else if (dequeueOks + drains === 0 || lost.length > 0 || unresolved.length > 0) valid = "unknown";
  else valid = true;
  if (malformed.length > 0) valid = mergeValidity([valid, "unknown"]);

  return {
    valid,
    mode: "unordered",
    counts: {
      ...countMessages(enqueues),
      dequeued: dequeuedCount,
      drains,
      indeterminateDequeues,
      indeterminateDrains,
      lost: lost.length,
      duplicated: duplicated.length,
      unexpected: unexpected.length,
      recovered: recovered.length,
      unresolved: unresolved.length,
    },
    lost,
    lostMayBeIndeterminateDequeues,
    duplicated,
    unexpected,
    recovered,
    unresolved,
    malformed,
  };
}

function evidenceOf(entry: Enqueues, pair: OpPair | undefined): QueueMessageEvidence {
  return { message: entry.message, enqueue: pair ? opRef(pair.invoke) : null, enqueueCompletion: pair?.completion ? opRef(pair.completion) : null };
}
