// The queue workload over a partitioned log ({ordered: "per-partition"}; a log like Kafka, ideas
// from Jepsen's kafka checker):
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

import type { CheckResult, Validity } from "./checker.ts";
import { mergeValidity } from "./checker.ts";
import { pairOps, type OpPair } from "../harness/history/pairs.ts";
import type { Op, Process } from "../harness/op.ts";
import { showValue, opRef, type MalformedOp, type OpRef } from "./evidence.ts";
import { type MessageKey, collectEnqueues, countMessages, explained, keyOf } from "./queue-messages.ts";
import { firstAbove } from "./sorted-search.ts";

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
      ...countMessages(enqueues),
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
