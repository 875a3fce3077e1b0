// `npm run bench [-- --only NAME …]`: runs every bench/*.ts module that exports
// `bench(): Promise<BenchRow[]>`, one at a time, prints one table and writes bench/out/results.json.
// A module that throws is reported and the others still run; the exit code says whether any failed.

import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BenchRow } from "./bench-row.ts";

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
/** Files in bench/ that are not bench modules. */
const NOT_BENCHES = new Set(["run.ts", "bench-row.ts"]);
const EXIT_BAD_ARGUMENTS = 254;

interface ModuleResult {
  module: string;
  durationMs: number;
  rows: BenchRow[];
  error?: string;
}

function parseArgs(argv: readonly string[]): { only: string[] } {
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--only" && i + 1 < argv.length) only.push(argv[++i]);
    else if (arg.startsWith("--only=")) only.push(arg.slice("--only=".length));
    else usage(`unknown argument "${arg}"`);
  }
  return { only };
}

function usage(problem: string): never {
  console.error(`bench: ${problem}\nusage: npm run bench [-- --only NAME …]   (NAME: a bench/NAME.ts module)`);
  process.exit(EXIT_BAD_ARGUMENTS);
}

function benchModules(): string[] {
  return readdirSync(BENCH_DIR)
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && !file.endsWith(".d.ts") && !NOT_BENCHES.has(file))
    .map((file) => basename(file, ".ts"))
    .sort();
}

function checkRows(rows: unknown, module: string): BenchRow[] {
  if (!Array.isArray(rows)) throw new Error(`bench() of ${module} returned ${typeof rows}, not an array of BenchRow`);
  for (const row of rows as Partial<BenchRow>[]) {
    if (typeof row?.name !== "string" || typeof row.value !== "number" || typeof row.unit !== "string") {
      throw new Error(`bench() of ${module} returned a row without name, numeric value and unit: ${JSON.stringify(row)}`);
    }
  }
  return rows as BenchRow[];
}

async function runModule(module: string): Promise<ModuleResult | undefined> {
  const startMs = performance.now();
  try {
    // A dynamic import is typed loosely; the export is checked before use.
    const loaded: Record<string, unknown> = await import(pathToFileURL(join(BENCH_DIR, `${module}.ts`)).href);
    const bench = loaded.bench;
    if (typeof bench !== "function") return undefined;
    const rows = checkRows(await bench(), module);
    return { module, durationMs: performance.now() - startMs, rows };
  } catch (err) {
    const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    return { module, durationMs: performance.now() - startMs, rows: [], error };
  }
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString("en");
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

function printTable(results: readonly ModuleResult[]): void {
  const header = ["module", "name", "value", "unit", "baseline", "ratio"];
  const lines: string[][] = [];
  for (const result of results) {
    if (result.error !== undefined) lines.push([result.module, "FAILED (see above)", "", "", "", ""]);
    for (const row of result.rows) {
      const baseline = row.baseline ? `${formatNumber(row.baseline.value)} (${row.baseline.name})` : "";
      const ratio = row.ratio !== undefined ? `${row.ratio.toFixed(2)}×` : "";
      lines.push([result.module, row.name, formatNumber(row.value), row.unit, baseline, ratio]);
    }
  }
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column].length)));
  const render = (cells: string[]) => cells.map((cell, column) => (column === 2 || column === 5 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join("  ").trimEnd();
  console.log(render(header));
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  for (const line of lines) console.log(render(line));
}

async function main(): Promise<void> {
  const { only } = parseArgs(process.argv.slice(2));
  const available = benchModules();
  for (const name of only) if (!available.includes(name)) usage(`no bench module "${name}"; available: ${available.join(", ")}`);
  const selected = only.length > 0 ? available.filter((name) => only.includes(name)) : available;

  const results: ModuleResult[] = [];
  for (const module of selected) {
    console.error(`bench: running ${module} …`);
    const result = await runModule(module);
    if (result === undefined) {
      console.error(`bench: ${module} exports no bench(); skipped`);
      continue;
    }
    if (result.error !== undefined) console.error(`bench: ${module} failed after ${Math.round(result.durationMs)} ms:\n${result.error}`);
    results.push(result);
  }

  printTable(results);
  const outDir = join(BENCH_DIR, "out");
  mkdirSync(outDir, { recursive: true });
  const report = { finishedAt: new Date().toISOString(), node: process.version, platform: `${process.platform}-${process.arch}`, results };
  writeFileSync(join(outDir, "results.json"), JSON.stringify(report, null, 2) + "\n");
  const failed = results.filter((result) => result.error !== undefined).map((result) => result.module);
  console.error(`bench: results in ${join(outDir, "results.json")}${failed.length > 0 ? `; FAILED: ${failed.join(", ")}` : ""}`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}

await main();
