// How fast the Elle checker judges list-append histories, and how much memory it takes.
//
// Each case runs in a fresh child process (this same file, with --elle-bench-child), so that its
// peak RSS is its own: the child simulates a history from a strict-serializable store with 10 or
// 50 processes (optionally injecting stale reads, which make G-single cycles), warms the checker
// up on a small history, then checks the big one once under the default model
// (strict-serializable, so process and real-time edges are in). The verdict is checked too: a
// fast wrong answer fails the bench instead of looking good.
//
// Reported: transactions checked per second, by wall clock and by the CPU time the child spent
// in the check (on a shared machine the wall clock also counts time spent waiting for a core, so
// the load average during each case is reported too); peak RSS of the child (history included)
// and the RSS the check added on top of the history; and the 1M / 100k check-time ratio (10× is
// linear). Elle (JVM) publishes 100–160k transactions/s; 160k/s is our target.

import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkElle } from "../checkers/elle/elle.ts";
import { simulate } from "../test/support/elle-store-simulator.ts";
import type { BenchRow } from "./bench-row.ts";

const CHILD_FLAG = "--elle-bench-child";
const TARGET_TXNS_PER_S = 160_000;

interface Case {
  txns: number;
  processes: number;
  /** Every N-th transaction reads a stale list (a G-single); 0 for a clean history. */
  staleReadEvery: number;
}

interface Measurement {
  txns: number;
  checkMs: number;
  /** User + system CPU time of the child during the check (GC helper threads included). */
  checkCpuMs: number;
  loadAverage: number;
  valid: unknown;
  anomalyTypes: string[];
  rssBeforeCheckMb: number;
  peakRssMb: number;
}

const CASES: Case[] = [
  { txns: 100_000, processes: 10, staleReadEvery: 0 },
  { txns: 100_000, processes: 50, staleReadEvery: 0 },
  { txns: 100_000, processes: 50, staleReadEvery: 20_000 },
  { txns: 1_000_000, processes: 10, staleReadEvery: 0 },
  { txns: 1_000_000, processes: 50, staleReadEvery: 0 },
  { txns: 1_000_000, processes: 50, staleReadEvery: 200_000 },
];

function history(c: Case, seed: number) {
  return simulate({
    store: "strict-serializable",
    workload: "list-append",
    txns: c.txns,
    processes: c.processes,
    seed,
    keys: 10,
    maxTxnLength: 4,
    maxWritesPerKey: 32,
    staleReadEvery: c.staleReadEvery || undefined,
  });
}

function runChild(c: Case): Measurement {
  const warmup = history({ ...c, txns: 20_000 }, 7);
  checkElle(warmup, { workload: "list-append" });
  const h = history(c, 1);
  (globalThis as { gc?: () => void }).gc?.();
  const rssBeforeCheckMb = process.memoryUsage().rss / 2 ** 20;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = checkElle(h, { workload: "list-append" });
  const checkMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    txns: result.txnCount,
    checkMs,
    checkCpuMs: (cpu.user + cpu.system) / 1000,
    loadAverage: loadavg()[0],
    valid: result.valid,
    anomalyTypes: result.anomalyTypes,
    rssBeforeCheckMb,
    // resourceUsage reports kilobytes.
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

function measure(c: Case): Measurement {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const child = spawnSync(
    process.execPath,
    ["--max-old-space-size=8192", "--expose-gc", "--import", "tsx", fileURLToPath(import.meta.url), CHILD_FLAG, JSON.stringify(c)],
    { cwd: root, encoding: "utf8", maxBuffer: 1 << 24 },
  );
  if (child.status !== 0) throw new Error(`elle bench child for ${JSON.stringify(c)} failed (${child.status}):\n${child.stderr}`);
  const last = child.stdout.trim().split("\n").pop() ?? "";
  const m = JSON.parse(last) as Measurement;
  const expectAnomaly = c.staleReadEvery > 0;
  if (m.txns !== c.txns) throw new Error(`checked ${m.txns} transactions, expected ${c.txns}`);
  if (expectAnomaly ? m.valid !== false || !m.anomalyTypes.includes("G-single") : m.valid !== true) {
    throw new Error(`wrong verdict for ${JSON.stringify(c)}: valid ${String(m.valid)}, anomalies ${m.anomalyTypes.join(", ")}`);
  }
  return m;
}

const label = (c: Case) => `list-append ${c.txns / 1000}k txns, ${c.processes} procs${c.staleReadEvery > 0 ? ", stale reads" : ""}`;

export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const measured = new Map<Case, Measurement>();
  for (const c of CASES) {
    const m = measure(c);
    measured.set(c, m);
    for (const [clock, ms] of [
      ["wall clock", m.checkMs],
      ["CPU time", m.checkCpuMs],
    ] as const) {
      const rate = (m.txns / ms) * 1000;
      rows.push({
        name: `elle ${label(c)}: checked (${clock})`,
        value: rate,
        unit: "txns/s",
        baseline: { name: "target (Elle's published upper bound)", value: TARGET_TXNS_PER_S },
        ratio: rate / TARGET_TXNS_PER_S,
      });
    }
    rows.push({ name: `elle ${label(c)}: 1-min load average (2 = both cores busy)`, value: m.loadAverage, unit: "runnable" });
    rows.push({ name: `elle ${label(c)}: peak RSS`, value: m.peakRssMb, unit: "MB" });
    rows.push({ name: `elle ${label(c)}: RSS added by the check`, value: Math.max(0, m.peakRssMb - m.rssBeforeCheckMb), unit: "MB" });
  }
  for (const processes of [10, 50]) {
    const small = [...measured].find(([c]) => c.txns === 100_000 && c.processes === processes && c.staleReadEvery === 0);
    const large = [...measured].find(([c]) => c.txns === 1_000_000 && c.processes === processes && c.staleReadEvery === 0);
    if (small === undefined || large === undefined) continue;
    for (const [clock, value] of [
      ["wall clock", large[1].checkMs / small[1].checkMs],
      ["CPU time", large[1].checkCpuMs / small[1].checkCpuMs],
    ] as const) {
      rows.push({
        name: `elle list-append 1M/100k check time (${clock}), ${processes} procs`,
        value,
        unit: "×",
        baseline: { name: "linear", value: 10 },
        ratio: value / 10,
      });
    }
  }
  return rows;
}

if (process.argv[2] === CHILD_FLAG) {
  console.log(JSON.stringify(runChild(JSON.parse(process.argv[3]) as Case)));
}
