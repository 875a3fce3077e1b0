// Histories of a key-value store of strings (get, put, append), in the shape of Porcupine's kv
// test data (shared/fixtures/kv/c10-*.edn): N clients loop over random keys, values are
// "x CLIENT SEQ y", every op completes ok. The store is linearizable — each op takes effect at one
// instant between its invoke and its completion — unless `rollback` is set.
//
// What makes such histories hard to check is concurrency per key, and a replicated store has most
// of it right after an election: ops pile up while there is no leader and then all take effect at
// once, in an order the history does not reveal. So the store stalls now and then (`stalls`), and
// every op due during a stall takes effect in a short burst after it.
//
// `rollback` makes the store forget everything applied in a window before some instant, as a
// leader that acknowledged entries it never persisted would, and keep serving from the older state
// (the bug behind c10-bad: most keys go back in time). Appends acknowledged in the window are lost,
// so later reads of those keys cannot be explained: not linearizable.

import type { Op } from "../../harness/op.ts";
import { Rng } from "../../harness/rng.ts";

export interface KvHistoryOptions {
  seed: number;
  clients: number;
  /** Ops each client invokes. */
  opsPerClient: number;
  /** Keys "0" … keys-1 (default 10, as in Porcupine's data). */
  keys?: number;
  /** Leaderless periods: how many, spread over the run (default 6). */
  stalls?: number;
  /** Stall length in units of the mean op latency (default 8). */
  stallLength?: number;
  /** When `at` (0 < at < 1) of all ops have taken effect, forget the last `lose` of them. */
  rollback?: { at: number; lose: number };
}

interface Planned {
  client: number;
  key: string;
  f: "get" | "put" | "append";
  value: string;
  invokeAt: number;
  applyAt: number;
  completeAt: number;
  output: string;
}

/** Ops in history order (invoke and ok events by time), with index and time set. */
export function kvHistory(options: KvHistoryOptions): Op[] {
  const rng = new Rng(options.seed);
  const keys = options.keys ?? 10;
  const stallCount = options.stalls ?? 6;
  const stallLength = options.stallLength ?? 8;
  // Mean latency 1 and think time 0.1: a run lasts about opsPerClient × 1.1 time units.
  const runLength = options.opsPerClient * 1.1;
  const stalls: [number, number][] = [];
  for (let i = 0; i < stallCount; i++) {
    const start = ((i + 0.5) / stallCount) * runLength + (rng.float() - 0.5) * 2;
    stalls.push([start, start + stallLength * (0.5 + rng.float())]);
  }
  const stallAround = (t: number) => stalls.find(([start, end]) => t >= start && t < end);

  const planned: Planned[] = [];
  for (let client = 0; client < options.clients; client++) {
    let t = rng.float();
    for (let seq = 0; seq < options.opsPerClient; seq++) {
      const roll = rng.int(1000);
      const f = roll < 500 ? "append" : roll < 550 ? "put" : "get";
      let applyAt = t + exponential(rng, 0.5);
      const stall = stallAround(applyAt);
      // Held until a leader is back, then applied in a burst in no particular order.
      if (stall !== undefined) applyAt = stall[1] + rng.float() * 0.5;
      const completeAt = applyAt + exponential(rng, 0.5);
      planned.push({ client, key: String(rng.int(keys)), f, value: `x ${client} ${seq} y`, invokeAt: t, applyAt, completeAt, output: "" });
      t = completeAt + exponential(rng, 0.1);
    }
  }

  const state = new Map<string, string>();
  const byApply = [...planned].sort((a, b) => a.applyAt - b.applyAt);
  // Counted in applied ops rather than time: a stall may leave a time window empty.
  const rollbackAt = options.rollback === undefined ? -1 : Math.floor(options.rollback.at * byApply.length);
  const snapshotAt = options.rollback === undefined ? -1 : Math.max(0, rollbackAt - options.rollback.lose);
  let snapshot = new Map<string, string>();
  for (let i = 0; i < byApply.length; i++) {
    const op = byApply[i];
    if (i === snapshotAt) snapshot = new Map(state);
    if (i === rollbackAt) {
      state.clear();
      for (const [key, value] of snapshot) state.set(key, value);
    }
    const current = state.get(op.key) ?? "";
    if (op.f === "get") op.output = current;
    else state.set(op.key, op.f === "put" ? op.value : current + op.value);
  }

  type Event = { at: number; op: Planned; type: "invoke" | "ok" };
  const events: Event[] = [];
  for (const op of planned) events.push({ at: op.invokeAt, op, type: "invoke" }, { at: op.completeAt, op, type: "ok" });
  events.sort((a, b) => a.at - b.at);
  return events.map(({ op, type }, index) => ({
    index,
    time: index,
    process: op.client,
    type,
    f: op.f,
    key: op.key,
    value: type === "invoke" ? (op.f === "get" ? null : op.value) : op.f === "get" ? op.output : op.value,
  }));
}

/** The history as Porcupine's kv files spell it, one op map per line. */
export function kvHistoryEdn(ops: readonly Op[]): string {
  const lines = ops.map(
    (op) => `{:process ${String(op.process)}, :type :${op.type}, :f :${op.f}, :key ${JSON.stringify(String(op.key))}, :value ${op.value === null ? "nil" : JSON.stringify(op.value)}}`,
  );
  return lines.join("\n") + "\n";
}

function exponential(rng: Rng, mean: number): number {
  return -Math.log(1 - rng.float()) * mean;
}
