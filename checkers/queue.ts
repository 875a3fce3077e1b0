// Queues, in two shapes.
//
// Unordered (the default; Jepsen's total-queue): every enqueued value should be dequeued exactly
// once, in any order.
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
//
// Per partition ({ordered: "per-partition"}; a log like Kafka, ideas from Jepsen's kafka checker):
//   enqueue  invoke value: the message, or {value: message, partition?}; ok value:
//            {partition, offset, value} — where the log put it.
//   dequeue  invoke value: null; ok value: array of {partition, offset, value} polled, in order.
//   drain    like dequeue, polling until the end of every partition as of the drain's start.
// Consumers are expected to read each partition from its first offset, one process continuously
// (manual assignment): a process's view of a partition must move forward without gaps.
// lost:                 acknowledged, never polled, though a later offset of its partition was
//                       polled or a drain began after the acknowledgement.
// unseen:               acknowledged and never polled, with neither of those: verdict unknown.
// inconsistentOffsets:  one partition offset seen holding different messages.
// duplicated:           one message at more than one partition offset.
// unexpected:           polled although never sent (by a send that could have happened).
// orderViolations:      send B began after send A was acknowledged, same partition, yet B's offset
//                       is below A's: the log is not in real-time order.
// nonMonotonicPolls:    a process polled an offset at or below one it had already polled.
// skippedOffsets:       a process jumped over offsets that exist in the log (seen by anyone).

import type { Checker, CheckResult, Validity } from "./checker.ts";
import { mergeValidity } from "./checker.ts";
import { pairOps, type OpPair } from "../harness/history/pairs.ts";
import type { Op, Process } from "../harness/op.ts";
import { completionIndexOf, showValue, opRef, outcomeOf, type MalformedOp, type OpRef } from "./evidence.ts";
import { firstAbove } from "./sorted-search.ts";

export interface QueueCheckerOptions {
  /** "per-partition" for a partitioned log with offsets; unordered queue semantics otherwise. */
  ordered?: "per-partition";
}

export function queueChecker(options: QueueCheckerOptions = {}): Checker {
  return { name: "queue", check: (history) => (options.ordered === "per-partition" ? checkPartitionedLog(history) : checkQueue(history)) };
}

type MessageKey = string | number;

function keyOf(message: unknown): MessageKey {
  return typeof message === "number" || typeof message === "string" ? message : `json:${JSON.stringify(message)}`;
}

/** The message an enqueue carries: its invoke value, unwrapped from {value} when wrapped. */
function messageOf(invokeValue: unknown): unknown {
  return typeof invokeValue === "object" && invokeValue !== null && !Array.isArray(invokeValue) && "value" in invokeValue ? (invokeValue as { value: unknown }).value : invokeValue;
}

interface Enqueues {
  message: unknown;
  /** Enqueues that did not definitely fail, in invocation order. */
  attempts: OpPair[];
  acknowledged: OpPair[];
  failed: OpPair[];
}

function collectEnqueues(pairs: readonly OpPair[]): Map<MessageKey, Enqueues> {
  const enqueues = new Map<MessageKey, Enqueues>();
  for (const pair of pairs) {
    if (pair.invoke.f !== "enqueue") continue;
    const message = messageOf(pair.invoke.value);
    const key = keyOf(message);
    let entry = enqueues.get(key);
    if (!entry) enqueues.set(key, (entry = { message, attempts: [], acknowledged: [], failed: [] }));
    const outcome = outcomeOf(pair);
    if (outcome === "fail") entry.failed.push(pair);
    else entry.attempts.push(pair);
    if (outcome === "ok") entry.acknowledged.push(pair);
  }
  return enqueues;
}

/** Did some enqueue of this message that did not fail begin before `completionIndex`? */
function explained(entry: Enqueues | undefined, completionIndex: number): boolean {
  return entry !== undefined && entry.attempts.some((pair) => pair.invoke.index < completionIndex);
}

// ---------------------------------------------------------------------------------------------
// Unordered queues

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
  let attempted = 0;
  let acknowledged = 0;
  for (const [key, entry] of enqueues) {
    if (entry.attempts.length > 0) attempted++;
    if (entry.acknowledged.length === 0) continue;
    acknowledged++;
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
      attempted,
      acknowledged,
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

// ---------------------------------------------------------------------------------------------
// Partitioned logs

export interface LogRecord {
  partition: string | number;
  offset: number;
  value: unknown;
}

interface Observation extends LogRecord {
  op: Op;
}

export interface LogPosition {
  partition: string | number;
  offset: number;
}

export interface LogResult extends CheckResult {
  mode: "per-partition";
  counts: {
    attempted: number;
    acknowledged: number;
    polled: number;
    drains: number;
    lost: number;
    unseen: number;
    inconsistentOffsets: number;
    duplicated: number;
    unexpected: number;
    orderViolations: number;
    nonMonotonicPolls: number;
    skippedOffsets: number;
  };
  lost: (LogPosition & { message: unknown; send: OpRef; ack: OpRef; reason: "later offsets polled" | "missing from drains" })[];
  unseen: (LogPosition & { message: unknown; send: OpRef; ack: OpRef })[];
  inconsistentOffsets: (LogPosition & { messages: { message: unknown; ops: OpRef[] }[] })[];
  duplicated: { message: unknown; positions: (LogPosition & { op: OpRef })[] }[];
  unexpected: { message: unknown; polls: OpRef[] }[];
  orderViolations: { partition: string | number; earlier: LogPosition & { ack: OpRef }; later: LogPosition & { send: OpRef } }[];
  nonMonotonicPolls: { process: Process; partition: string | number; previous: { offset: number; op: OpRef }; next: { offset: number; op: OpRef } }[];
  skippedOffsets: { process: Process; partition: string | number; from: { offset: number; op: OpRef }; to: { offset: number; op: OpRef }; skipped: number[]; skippedCount: number }[];
  /** Highest offset seen per partition, from sends and polls. */
  highestOffsets: Record<string, number>;
  malformed: MalformedOp[];
}

/** Skipped offsets listed per gap; the rest are counted. */
const SKIPPED_LISTED = 20;

function asRecord(value: unknown): LogRecord | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { partition, offset } = value as Partial<LogRecord>;
  if ((typeof partition !== "string" && typeof partition !== "number") || typeof offset !== "number" || !Number.isInteger(offset) || !("value" in value)) return undefined;
  return { partition, offset, value: (value as LogRecord).value };
}

export function checkPartitionedLog(history: readonly Op[]): LogResult {
  const pairs = pairOps(history).filter((pair) => pair.invoke.process !== "nemesis");
  const enqueues = collectEnqueues(pairs);
  const malformed: MalformedOp[] = [];

  const sends: (Observation & { pair: OpPair })[] = [];
  const polls: { pair: OpPair; records: Observation[] }[] = [];
  let lastDrainInvoke = -1;
  let drains = 0;
  for (const pair of pairs) {
    const { invoke, completion } = pair;
    if (completion?.type !== "ok") continue;
    if (invoke.f === "enqueue") {
      const record = asRecord(completion.value);
      if (record) sends.push({ ...record, op: completion, pair });
      else malformed.push({ index: completion.index, reason: `send acknowledged with ${showValue(completion.value)}, not {partition, offset, value}` });
    } else if (invoke.f === "dequeue" || invoke.f === "drain") {
      if (completion.value === null && invoke.f === "dequeue") continue;
      if (!Array.isArray(completion.value)) {
        malformed.push({ index: completion.index, reason: `${invoke.f} returned ${showValue(completion.value)}, not an array of {partition, offset, value}` });
        continue;
      }
      const records: Observation[] = [];
      for (const item of completion.value) {
        const record = asRecord(item);
        if (record) records.push({ ...record, op: completion });
        else malformed.push({ index: completion.index, reason: `${invoke.f} returned ${showValue(item)}, not {partition, offset, value}` });
      }
      polls.push({ pair, records });
      if (invoke.f === "drain") {
        drains++;
        lastDrainInvoke = Math.max(lastDrainInvoke, invoke.index);
      }
    }
  }

  // The log as everyone saw it: partition → offset → message → ops that saw it there.
  const log = new Map<string, Map<number, Map<MessageKey, { message: unknown; ops: Op[] }>>>();
  const partitionNames = new Map<string, string | number>();
  const positionsOf = new Map<MessageKey, { message: unknown; positions: Map<string, LogPosition & { op: Op }> }>();
  const observe = (record: Observation) => {
    const partitionKey = String(record.partition);
    partitionNames.set(partitionKey, record.partition);
    let offsets = log.get(partitionKey);
    if (!offsets) log.set(partitionKey, (offsets = new Map()));
    let messages = offsets.get(record.offset);
    if (!messages) offsets.set(record.offset, (messages = new Map()));
    const messageKey = keyOf(record.value);
    const seen = messages.get(messageKey) ?? { message: record.value, ops: [] };
    seen.ops.push(record.op);
    messages.set(messageKey, seen);
    let placed = positionsOf.get(messageKey);
    if (!placed) positionsOf.set(messageKey, (placed = { message: record.value, positions: new Map() }));
    const { positions } = placed;
    const positionKey = `${partitionKey}\u0000${record.offset}`;
    if (!positions.has(positionKey)) positions.set(positionKey, { partition: record.partition, offset: record.offset, op: record.op });
  };
  for (const send of sends) observe(send);
  for (const poll of polls) for (const record of poll.records) observe(record);

  const inconsistentOffsets: LogResult["inconsistentOffsets"] = [];
  const sortedOffsets = new Map<string, number[]>();
  const highestOffsets: Record<string, number> = {};
  for (const [partitionKey, offsets] of log) {
    const sorted = [...offsets.keys()].sort((a, b) => a - b);
    sortedOffsets.set(partitionKey, sorted);
    highestOffsets[partitionKey] = sorted[sorted.length - 1];
    for (const offset of sorted) {
      const messages = offsets.get(offset) as Map<MessageKey, { message: unknown; ops: Op[] }>;
      if (messages.size > 1) {
        inconsistentOffsets.push({
          partition: partitionNames.get(partitionKey) as string | number,
          offset,
          messages: [...messages.values()].map(({ message, ops }) => ({ message, ops: ops.map(opRef) })),
        });
      }
    }
  }
  const duplicated: LogResult["duplicated"] = [];
  for (const { message, positions } of positionsOf.values()) {
    if (positions.size > 1) {
      duplicated.push({ message, positions: [...positions.values()].map(({ partition, offset, op }) => ({ partition, offset, op: opRef(op) })) });
    }
  }

  // Highest offset any poll returned per partition: anything acknowledged below it was passed over.
  const highestPolled = new Map<string, number>();
  const polledMessages = new Set<MessageKey>();
  const unexpectedByMessage = new Map<MessageKey, { message: unknown; polls: OpRef[] }>();
  let polled = 0;
  for (const poll of polls) {
    for (const record of poll.records) {
      polled++;
      const partitionKey = String(record.partition);
      highestPolled.set(partitionKey, Math.max(highestPolled.get(partitionKey) ?? -Infinity, record.offset));
      const messageKey = keyOf(record.value);
      polledMessages.add(messageKey);
      if (!explained(enqueues.get(messageKey), record.op.index)) {
        const entry = unexpectedByMessage.get(messageKey) ?? { message: record.value, polls: [] };
        entry.polls.push(opRef(record.op));
        unexpectedByMessage.set(messageKey, entry);
      }
    }
  }

  const lost: LogResult["lost"] = [];
  const unseen: LogResult["unseen"] = [];
  for (const send of sends) {
    if (polledMessages.has(keyOf(send.value))) continue;
    const evidence = { partition: send.partition, offset: send.offset, message: send.value, send: opRef(send.pair.invoke), ack: opRef(send.op) };
    if ((highestPolled.get(String(send.partition)) ?? -Infinity) > send.offset) lost.push({ ...evidence, reason: "later offsets polled" });
    else if (send.op.index < lastDrainInvoke) lost.push({ ...evidence, reason: "missing from drains" });
    else unseen.push(evidence);
  }

  const orderViolations = findOrderViolations(sends);
  const { nonMonotonicPolls, skippedOffsets } = checkConsumers(polls, sortedOffsets);

  let attempted = 0;
  let acknowledged = 0;
  for (const entry of enqueues.values()) {
    if (entry.attempts.length > 0) attempted++;
    if (entry.acknowledged.length > 0) acknowledged++;
  }
  const unexpected = [...unexpectedByMessage.values()];
  let valid: Validity;
  const violations = lost.length + inconsistentOffsets.length + duplicated.length + unexpected.length + orderViolations.length + nonMonotonicPolls.length + skippedOffsets.length;
  if (violations > 0) valid = false;
  else if (polls.length === 0 || unseen.length > 0) valid = "unknown";
  else valid = true;
  if (malformed.length > 0) valid = mergeValidity([valid, "unknown"]);

  return {
    valid,
    mode: "per-partition",
    counts: {
      attempted,
      acknowledged,
      polled,
      drains,
      lost: lost.length,
      unseen: unseen.length,
      inconsistentOffsets: inconsistentOffsets.length,
      duplicated: duplicated.length,
      unexpected: unexpected.length,
      orderViolations: orderViolations.length,
      nonMonotonicPolls: nonMonotonicPolls.length,
      skippedOffsets: skippedOffsets.length,
    },
    lost,
    unseen,
    inconsistentOffsets,
    duplicated,
    unexpected,
    orderViolations,
    nonMonotonicPolls,
    skippedOffsets,
    highestOffsets,
    malformed,
  };
}

/** Sends to one partition acknowledged before another began must get lower offsets. Sweeps each
 *  partition's sends by invocation, knowing the highest offset acknowledged before each began. */
function findOrderViolations(sends: readonly (Observation & { pair: OpPair })[]): LogResult["orderViolations"] {
  const violations: LogResult["orderViolations"] = [];
  const byPartition = new Map<string, (Observation & { pair: OpPair })[]>();
  for (const send of sends) {
    const key = String(send.partition);
    const list = byPartition.get(key) ?? [];
    list.push(send);
    byPartition.set(key, list);
  }
  for (const list of byPartition.values()) {
    const byAck = list.slice().sort((a, b) => a.op.index - b.op.index);
    const byInvoke = list.slice().sort((a, b) => a.pair.invoke.index - b.pair.invoke.index);
    let acked = 0;
    let highest: (Observation & { pair: OpPair }) | undefined;
    for (const send of byInvoke) {
      while (acked < byAck.length && byAck[acked].op.index < send.pair.invoke.index) {
        if (!highest || byAck[acked].offset > highest.offset) highest = byAck[acked];
        acked++;
      }
      if (highest && send.offset <= highest.offset) {
        violations.push({
          partition: send.partition,
          earlier: { partition: highest.partition, offset: highest.offset, ack: opRef(highest.op) },
          later: { partition: send.partition, offset: send.offset, send: opRef(send.pair.invoke) },
        });
      }
    }
  }
  return violations;
}

/** Each consumer process must see every partition move forward, without passing over offsets
 *  that exist in the log. */
function checkConsumers(
  polls: readonly { pair: OpPair; records: Observation[] }[],
  sortedOffsets: Map<string, number[]>,
): Pick<LogResult, "nonMonotonicPolls" | "skippedOffsets"> {
  const nonMonotonicPolls: LogResult["nonMonotonicPolls"] = [];
  const skippedOffsets: LogResult["skippedOffsets"] = [];
  const last = new Map<string, Observation>();
  const ordered = polls.slice().sort((a, b) => a.pair.invoke.index - b.pair.invoke.index);
  for (const poll of ordered) {
    const process = poll.pair.invoke.process;
    for (const record of poll.records) {
      const partitionKey = String(record.partition);
      const positionKey = `${process}\u0000${partitionKey}`;
      const previous = last.get(positionKey);
      if (previous && record.offset <= previous.offset) {
        nonMonotonicPolls.push({
          process,
          partition: record.partition,
          previous: { offset: previous.offset, op: opRef(previous.op) },
          next: { offset: record.offset, op: opRef(record.op) },
        });
        continue;
      }
      if (previous && record.offset > previous.offset + 1) {
        const offsets = sortedOffsets.get(partitionKey) ?? [];
        const from = firstAbove(offsets, previous.offset);
        const to = firstAbove(offsets, record.offset - 1);
        if (to > from) {
          skippedOffsets.push({
            process,
            partition: record.partition,
            from: { offset: previous.offset, op: opRef(previous.op) },
            to: { offset: record.offset, op: opRef(record.op) },
            skipped: offsets.slice(from, Math.min(to, from + SKIPPED_LISTED)),
            skippedCount: to - from,
          });
        }
      }
      last.set(positionKey, record);
    }
  }
  return { nonMonotonicPolls, skippedOffsets };
}
