// How fast the harness itself records a history: generator + interpreter + history writer
// against a client that answers at once, so the number is the harness's ceiling, not a
// system's. The baseline is a bare loop writing the same number of JSONL lines, measured in the
// same run: the ratio is what the harness machinery costs on top of serialising and writing.

import { mkdtempSync, openSync, closeSync, fsyncSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "../harness/interpreter/client.ts";
import { RealClock } from "../harness/clock.ts";
import { fromFn, limit } from "../harness/generator/index.ts";
import { HistoryWriter } from "../harness/history/writer.ts";
import { interpret } from "../harness/interpreter/interpreter.ts";
import type { Op } from "../harness/op.ts";
import { Rng } from "../harness/rng.ts";
import type { BenchRow } from "./bench-row.ts";

/** History entries (invoke + completion) the harness must record per second. */
const TARGET_OPS_PER_S = 100_000;
const INVOCATIONS = 100_000;
/** Each figure is the best of this many runs: on a shared machine the others measure the neighbours. */
const REPETITIONS = 3;
const WARMUP_INVOCATIONS = 50_000;
const CONCURRENCIES = [10, 100];

const noOpClient: Client = {
  invoke: async () => ({ type: "ok" }),
  close: async () => {},
};

/** Returns history entries recorded per second. */
async function harnessRun(dir: string, name: string, concurrency: number, invocations: number): Promise<number> {
  const writer = new HistoryWriter(join(dir, `${name}.jsonl`));
  const startNs = process.hrtime.bigint();
  await interpret({
    generator: limit(
      invocations,
      fromFn((ctx) => (ctx.rng.bool() ? { f: "read", value: null } : { f: "write", value: ctx.rng.int(100) })),
    ),
    clock: new RealClock(),
    rng: new Rng(1),
    concurrency,
    openClient: async () => noOpClient,
    record: (op) => writer.append(op),
    opTimeoutMs: 10_000,
  });
  await writer.close();
  const seconds = Number(process.hrtime.bigint() - startNs) / 1e9;
  if (writer.count !== 2 * invocations) throw new Error(`harness bench recorded ${writer.count} ops, expected ${2 * invocations}`);
  return writer.count / seconds;
}

/** The same lines, written by a plain loop: build the op, stringify, buffer, write in 1 MiB
 *  chunks, fsync at the end. Returns lines per second. */
function baselineRun(dir: string, lines: number): number {
  const fd = openSync(join(dir, "baseline.jsonl"), "wx");
  const rng = new Rng(1);
  const startNs = process.hrtime.bigint();
  let buffered = "";
  for (let index = 0; index < lines; index++) {
    const invoke = index % 2 === 0;
    const op: Op = { index, time: index * 1000, process: (index >> 1) % 10, type: invoke ? "invoke" : "ok", f: "write", value: rng.int(100) };
    buffered += JSON.stringify(op) + "\n";
    if (buffered.length >= 1 << 20) {
      writeSync(fd, buffered);
      buffered = "";
    }
  }
  writeSync(fd, buffered);
  fsyncSync(fd);
  closeSync(fd);
  return lines / (Number(process.hrtime.bigint() - startNs) / 1e9);
}

export async function bench(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "faultline-bench-harness-"));
  try {
    // Until the JIT has compiled the hot paths the first run is half as fast as the rest.
    for (const concurrency of CONCURRENCIES) await harnessRun(dir, `warmup-c${concurrency}`, concurrency, WARMUP_INVOCATIONS);
    baselineRun(dir, 2 * WARMUP_INVOCATIONS);
    let baselineValue = 0;
    for (let i = 0; i < REPETITIONS; i++) {
      rmSync(join(dir, "baseline.jsonl"));
      baselineValue = Math.max(baselineValue, baselineRun(dir, 2 * INVOCATIONS));
    }
    const baseline = { name: "plain loop writing JSONL lines", value: baselineValue };
    const rows: BenchRow[] = [];
    for (const concurrency of CONCURRENCIES) {
      let value = 0;
      for (let i = 0; i < REPETITIONS; i++) value = Math.max(value, await harnessRun(dir, `c${concurrency}-${i}`, concurrency, INVOCATIONS));
      rows.push({ name: `harness ops recorded, concurrency ${concurrency}`, value, unit: "ops/s", baseline, ratio: value / baseline.value });
    }
    rows.push({ name: "plain loop writing JSONL lines", value: baseline.value, unit: "lines/s" });
    const slowest = Math.min(...rows.slice(0, CONCURRENCIES.length).map((row) => row.value));
    const verdict = slowest >= TARGET_OPS_PER_S ? "met" : "NOT met";
    console.log(`harness-throughput: target ≥ ${TARGET_OPS_PER_S.toLocaleString("en")} ops/s recorded ${verdict} (slowest: ${Math.round(slowest).toLocaleString("en")} ops/s)`);
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
