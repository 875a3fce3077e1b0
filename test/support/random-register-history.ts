// Histories of a real linearizable register, for property tests and benchmarks: client processes
// run against an in-memory register whose every op takes effect atomically at one instant
// between its invoke and its completion. Scheduling is random, so intervals overlap in every way,
// and some ops end indeterminate (info, process retired) or never complete at all.

import type { Op, OpType } from "../../harness/op.ts";
import type { Rng } from "../../harness/rng.ts";

export interface RandomRegisterHistoryOptions {
  rng: Rng;
  /** Ops to invoke. */
  operations: number;
  /** Client processes running at once. */
  processes: number;
  /** Independent registers; ops carry `key` only when there is more than one. */
  keys?: number;
  /** Include cas [old new] ops (the cas-register model). */
  cas?: boolean;
  /** Values are drawn from 0 … values-1. */
  values?: number;
  /** Chance that an op which took effect still completes as info. */
  infoProbability?: number;
  /** Chance that an op never takes effect (its completion is then info or fail). */
  lostProbability?: number;
  /** Leave the ops in flight at the end without completions, as a crashed harness would. */
  openAtEnd?: boolean;
}

/** A value no generated history ever writes. */
export const NEVER_WRITTEN = -1;

interface Slot {
  process: number;
  phase: "idle" | "invoked" | "applied";
  f: string;
  value: unknown;
  key: number;
  /** What the completion will say once the op took effect (or was lost). */
  outcome: OpType;
  output: unknown;
}

export function randomRegisterHistory(options: RandomRegisterHistoryOptions): Op[] {
  const { rng, operations, processes } = options;
  const keys = options.keys ?? 1;
  const values = options.values ?? 5;
  const infoProbability = options.infoProbability ?? 0.05;
  const lostProbability = options.lostProbability ?? 0.05;
  const registers: (number | null)[] = new Array(keys).fill(null);
  const slots: Slot[] = Array.from({ length: processes }, (_, process) => ({
    process,
    phase: "idle",
    f: "read",
    value: null,
    key: 0,
    outcome: "ok",
    output: null,
  }));
  let nextProcess = processes;
  let invoked = 0;
  const history: Op[] = [];
  const record = (slot: Slot, type: OpType, value: unknown): void => {
    const op: Op = { index: history.length, time: history.length, process: slot.process, type, f: slot.f, value };
    if (keys > 1) op.key = slot.key;
    history.push(op);
  };

  for (;;) {
    if (invoked === operations) {
      if (slots.every((slot) => slot.phase === "idle")) break;
      if (options.openAtEnd) break;
    }
    const slot = rng.pick(slots);
    if (slot.phase === "idle") {
      if (invoked === operations) continue;
      invoked++;
      slot.key = rng.int(keys);
      const roll = rng.float();
      if (roll < 0.4) {
        slot.f = "read";
        slot.value = null;
      } else if (roll < 0.75 || !options.cas) {
        slot.f = "write";
        slot.value = rng.int(values);
      } else {
        slot.f = "cas";
        slot.value = [rng.int(values), rng.int(values)];
      }
      slot.phase = "invoked";
      record(slot, "invoke", slot.value);
    } else if (slot.phase === "invoked") {
      // The op's linearization point: it takes effect now, or never.
      slot.phase = "applied";
      slot.output = slot.value;
      if (rng.bool(lostProbability)) {
        slot.outcome = rng.bool() ? "info" : "fail";
        continue;
      }
      const current = registers[slot.key];
      if (slot.f === "read") {
        slot.output = current;
        slot.outcome = "ok";
      } else if (slot.f === "write") {
        registers[slot.key] = slot.value as number;
        slot.outcome = "ok";
      } else {
        const [from, to] = slot.value as [number, number];
        slot.outcome = current === from ? "ok" : "fail";
        if (current === from) registers[slot.key] = to;
      }
      if (slot.outcome === "ok" && rng.bool(infoProbability)) slot.outcome = "info";
    } else {
      record(slot, slot.outcome, slot.outcome === "info" && slot.f === "read" ? null : slot.output);
      slot.phase = "idle";
      if (slot.outcome === "info") slot.process = nextProcess++;
    }
  }
  return history;
}

/** The same history with one ok read's value replaced by NEVER_WRITTEN; null when it has no
 *  ok read. Such a history can never be linearizable. */
export function corruptOneRead(history: readonly Op[], rng: Rng): Op[] | null {
  const reads = history.filter((op) => op.type === "ok" && op.f === "read");
  if (reads.length === 0) return null;
  const victim = rng.pick(reads);
  return history.map((op) => (op === victim ? { ...op, value: NEVER_WRITTEN } : op));
}
