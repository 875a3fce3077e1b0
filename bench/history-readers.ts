// Checking a big transactional history from a file, end to end: the streaming EDN and JSONL
// readers (harness/history/) and `faultline check` on a 1,000,000-transaction list-append history
// (~300 MB as EDN), generated at bench time into a temp dir by the Elle store simulator.
//
// Reported, each in a fresh process: the readers' throughput in MB/s beside JSON.parse on the
// same JSONL bytes (split into lines and parsed one by one, as a JSONL reader must — the native
// parser doing the least work a reader could); and `faultline check FILE --workload list-append`
// from the shell: wall clock, CPU time and peak RSS of the child (from /usr/bin/time -v, or
// /proc when that is missing), against the goals of ≤ 10 s and < 2 GB. The load average is
// reported too: on a shared machine the wall clock also counts time spent waiting for a core.

import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readHistory } from "../harness/history/read.ts";
import { simulate } from "../test/support/elle-store-simulator.ts";
import { writeEdnHistory, writeJsonlHistory } from "../test/support/history-files.ts";
import type { BenchRow } from "./bench-row.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const GENERATE_FLAG = "--generate-history-child";
const READ_FLAG = "--read-history-child";
const TXNS = 1_000_000;
const GOAL_SECONDS = 10;
const GOAL_RSS_MB = 2048;
const GOAL_READER_MB_S = 100;
const READER_RUNS = 3;

interface ReadRun {
  ms: number;
  cpuMs: number;
  ops: number;
  bytes: number;
}

interface CheckRun {
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  valid: unknown;
  txnCount: number;
  checkMs: number;
}

export async function bench(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "faultline-readers-"));
  try {
    const edn = join(dir, "history.edn");
    const jsonl = join(dir, "history.jsonl");
    const generated = spawnSync(process.execPath, ["--max-old-space-size=8192", "--import", "tsx", fileURLToPath(import.meta.url), GENERATE_FLAG, edn, jsonl], { cwd: ROOT, encoding: "utf8" });
    if (generated.status !== 0) throw new Error(`generating the history failed (${generated.status}):\n${generated.stderr}`);
    const rows: BenchRow[] = [];
    const mb = (bytes: number) => bytes / 1e6;

    // Readers, alternating with JSON.parse so each ratio compares like with like.
    const runs: Record<"edn" | "jsonl" | "json-parse", ReadRun[]> = { edn: [], jsonl: [], "json-parse": [] };
    const loads: number[] = [];
    for (let i = 0; i < READER_RUNS; i++) {
      loads.push(loadavg()[0]);
      runs["json-parse"].push(readInChild("json-parse", jsonl));
      runs.jsonl.push(readInChild("jsonl", jsonl));
      runs.edn.push(readInChild("edn", edn));
    }
    const rate = (run: ReadRun, clock: "ms" | "cpuMs") => mb(run.bytes) / (run[clock] / 1000);
    for (const clock of ["ms", "cpuMs"] as const) {
      const words = clock === "ms" ? "wall clock" : "CPU time";
      const jsonParse = median(runs["json-parse"].map((run) => rate(run, clock)));
      for (const format of ["edn", "jsonl"] as const) {
        const value = median(runs[format].map((run) => rate(run, clock)));
        rows.push({ name: `${format} reader, ${TXNS / 1e6}M txns (${mb(runs[format][0].bytes).toFixed(0)} MB), ${words}`, value, unit: "MB/s", baseline: { name: "JSON.parse, same JSONL bytes", value: jsonParse }, ratio: value / jsonParse });
      }
      rows.push({ name: `JSON.parse of the JSONL lines, ${words}`, value: jsonParse, unit: "MB/s", baseline: { name: "goal for the readers", value: GOAL_READER_MB_S }, ratio: jsonParse / GOAL_READER_MB_S });
    }
    for (const format of ["edn", "jsonl"] as const) {
      for (const clock of ["ms", "cpuMs"] as const) {
        const value = median(runs[format].map((run) => rate(run, clock)));
        rows.push({ name: `${format} reader against the goal (${clock === "ms" ? "wall clock" : "CPU time"}; goal ≥ 1.00×)`, value, unit: "MB/s", baseline: { name: "goal", value: GOAL_READER_MB_S }, ratio: value / GOAL_READER_MB_S });
      }
    }

    // End to end, as a user runs it.
    for (const [format, file] of [["edn", edn], ["jsonl", jsonl]] as const) {
      loads.push(loadavg()[0]);
      const run = await checkFromShell(file);
      if (run.valid !== true || run.txnCount !== TXNS) throw new Error(`faultline check ${format}: valid ${String(run.valid)}, ${run.txnCount} txns; expected VALID and ${TXNS}`);
      rows.push({ name: `faultline check, ${TXNS / 1e6}M txns ${format}: end to end (goal ≤ 1.00×)`, value: run.seconds, unit: "s", baseline: { name: "goal", value: GOAL_SECONDS }, ratio: run.seconds / GOAL_SECONDS });
      rows.push({ name: `faultline check, ${TXNS / 1e6}M txns ${format}: CPU time (all threads)`, value: run.cpuSeconds, unit: "s", baseline: { name: "goal for the wall clock", value: GOAL_SECONDS }, ratio: run.cpuSeconds / GOAL_SECONDS });
      rows.push({ name: `faultline check, ${TXNS / 1e6}M txns ${format}: peak RSS (goal < 1.00×)`, value: run.peakRssMb, unit: "MB", baseline: { name: "goal", value: GOAL_RSS_MB }, ratio: run.peakRssMb / GOAL_RSS_MB });
      rows.push({ name: `faultline check, ${TXNS / 1e6}M txns ${format}: transactions per second, end to end`, value: TXNS / run.seconds, unit: "txns/s" });
      rows.push({ name: `faultline check, ${TXNS / 1e6}M txns ${format}: Elle core (checkMs)`, value: run.checkMs, unit: "ms" });
    }
    rows.push({ name: "1-min load average during the bench (2 = both cores busy)", value: median(loads), unit: "runnable" });
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readInChild(format: "edn" | "jsonl" | "json-parse", file: string): ReadRun {
  const child = spawnSync(process.execPath, ["--max-old-space-size=8192", "--import", "tsx", fileURLToPath(import.meta.url), READ_FLAG, format, file], { cwd: ROOT, encoding: "utf8" });
  if (child.status !== 0) throw new Error(`reading ${file} as ${format} failed (${child.status}):\n${child.stderr}`);
  const run = JSON.parse(child.stdout.trim().split("\n").pop() ?? "") as ReadRun;
  if (run.ops !== 2 * TXNS) throw new Error(`${format} read ${run.ops} ops from ${file}, expected ${2 * TXNS}`);
  return run;
}

/** In the child: one read, timed. JSON.parse reads the same bytes a chunk at a time, line by line. */
function readOnce(format: "edn" | "jsonl" | "json-parse", file: string): ReadRun {
  const bytes = statSync(file).size;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let ops: number;
  if (format === "json-parse") ops = jsonParseLines(file);
  else ops = readHistory(file, { format }).ops.length;
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, ops, bytes };
}

function jsonParseLines(file: string): number {
  const fd = openSync(file, "r");
  const chunk = Buffer.allocUnsafe(4 << 20);
  const parsed: unknown[] = [];
  let carry = "";
  try {
    for (;;) {
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      const lines = (carry + chunk.toString("utf8", 0, read)).split("\n");
      carry = lines.pop() ?? "";
      for (const line of lines) if (line !== "") parsed.push(JSON.parse(line));
    }
    if (carry !== "") parsed.push(JSON.parse(carry));
  } finally {
    closeSync(fd);
  }
  return parsed.length;
}

/** `faultline check FILE --workload list-append --json` as a child, with its peak RSS: from
 *  /usr/bin/time -v, or else polled from /proc/PID/status (VmHWM, the high-water mark). */
async function checkFromShell(file: string): Promise<CheckRun> {
  const args = [join(ROOT, "bin/faultline.js"), "check", file, "--workload", "list-append", "--json"];
  const timed = existsSync("/usr/bin/time");
  const started = performance.now();
  const child = timed ? spawn("/usr/bin/time", ["-v", process.execPath, ...args], { cwd: ROOT }) : spawn(process.execPath, args, { cwd: ROOT });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (data: string) => (stdout += data));
  child.stderr.setEncoding("utf8").on("data", (data: string) => (stderr += data));
  let polledKb = Number.NaN;
  const poll = setInterval(() => {
    if (timed || child.pid === undefined) return;
    try {
      polledKb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1]);
    } catch {
      // Gone already: the last reading stands.
    }
  }, 20);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  clearInterval(poll);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`faultline check ${file} exited ${code}:\n${stderr.slice(-4000)}`);
  const results = JSON.parse(stdout) as { valid: unknown; txnCount: number; stats: { checkMs: number } };
  let peakRssMb = polledKb / 1024;
  let cpuSeconds = Number.NaN;
  if (timed) {
    const field = (name: string) => Number(new RegExp(`${name}: ([\\d.]+)`).exec(stderr)?.[1]);
    peakRssMb = field("Maximum resident set size \\(kbytes\\)") / 1024;
    cpuSeconds = field("User time \\(seconds\\)") + field("System time \\(seconds\\)");
  }
  return { seconds, cpuSeconds, peakRssMb, valid: results.valid, txnCount: results.txnCount, checkMs: results.stats.checkMs };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

if (process.argv[2] === GENERATE_FLAG) {
  const ops = simulate({ store: "strict-serializable", workload: "list-append", txns: TXNS, processes: 50, seed: 1, keys: 10, maxTxnLength: 4, maxWritesPerKey: 32 });
  writeEdnHistory(process.argv[3], ops);
  writeJsonlHistory(process.argv[4], ops);
}
if (process.argv[2] === READ_FLAG) {
  console.log(JSON.stringify(readOnce(process.argv[3] as "edn" | "jsonl" | "json-parse", process.argv[4])));
}