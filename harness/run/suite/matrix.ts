// A suite's matrix: every system variant × workload × nemesis × seed, in the file's order. Cells a
// system cannot run (no client for the workload, not on that runtime, no partitions there) are
// skipped with the reason; every other cell's spec is built up front, so a bad setting stops the
// suite before its first run, not in its tenth.
//
// Sharding (`--shard i/n`) is by position: the k-th runnable cell (0-based, matrix order) belongs to
// shard k mod n + 1, and so does the k-th skipped one. The n shards are disjoint, together hold every
// cell, and differ in size by at most one — the same on every machine that reads the same suite file.

import { UsageError, unknownChoice } from "../../errors.ts";
import { buildSpec, type RawSettings, type SpecCatalog } from "../../spec/build-spec.ts";
import { DEFAULT_SPEC, type TestSpec } from "../../spec/test-spec.ts";
import type { SuiteDefinition, SystemVariant } from "./suite-file.ts";

export interface CellKey {
  /** "<variant>/<workload>/<nemesis>/<seed>": unique within the suite, stable across runs of it. */
  id: string;
  variant: string;
  system: string;
  workload: string;
  nemesis: string;
  seed: number;
}

export interface RunnableCell extends CellKey {
  spec: TestSpec;
}

export interface SkippedCell extends CellKey {
  reason: string;
}

export interface Matrix {
  /** Every cell, runnable or not, in matrix order. */
  total: number;
  runnable: RunnableCell[];
  skipped: SkippedCell[];
}

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index < 1 || index > count) throw new UsageError(`--shard "${text}" must be i/n with 1 ≤ i ≤ n, e.g. --shard 2/4`);
  return { index, count };
}

export function describeShard(shard: Shard | undefined): string {
  return shard ? `${shard.index}/${shard.count}` : "all";
}

/** The cells of `shard` (all of them without one); see the file comment for the rule. */
export function shardOf(matrix: Matrix, shard: Shard | undefined): Matrix {
  if (!shard || shard.count === 1) return matrix;
  const mine = <T>(cells: T[]) => cells.filter((_, k) => k % shard.count === shard.index - 1);
  return { total: matrix.total, runnable: mine(matrix.runnable), skipped: mine(matrix.skipped) };
}

/** "partition,kill" → "partition_kill", "partition:bridge+ring" → "partition.bridge.ring": a
 *  nemesis as a folder-name fragment. */
export function nemesisSlug(nemesis: string): string {
  return nemesis.replace(/,/g, "_").replace(/[:+]/g, ".");
}

/** Settings overlaid in order; system options (`opt`) are merged, not replaced. */
function overlay(...layers: RawSettings[]): RawSettings {
  const out: RawSettings = {};
  let options: Record<string, string> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (key === "opt" || key === "options") options = { ...options, ...optionsOf(value, key) };
      else out[key] = value;
    }
  }
  if (Object.keys(options).length > 0) out.opt = options;
  return out;
}

function optionsOf(value: unknown, key: string): Record<string, string> {
  if (value && typeof value === "object" && !Array.isArray(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
  const out: Record<string, string> = {};
  for (const item of Array.isArray(value) ? value : [value]) {
    const text = String(item);
    const eq = text.indexOf("=");
    if (eq <= 0) throw new UsageError(`suite setting ${key} "${text}" must look like name=value, or be a mapping of name: value`);
    out[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return out;
}

/** Why `variant` cannot run `workload` under `nemesis` on its runtime, or undefined if it can. */
function unsupported(catalog: SpecCatalog, variant: SystemVariant, settings: RawSettings, workload: string, nemesis: string): string | undefined {
  const info = catalog.systems[variant.system];
  const runtime = String(settings.runtime ?? DEFAULT_SPEC.runtime);
  if (!info.runtimes.includes(runtime as TestSpec["runtime"])) return `${variant.system} does not run on the ${runtime} runtime (it runs on: ${info.runtimes.join(", ")})`;
  if (!Object.hasOwn(info.clients, workload)) return `${variant.system} has no client for the ${workload} workload (its workloads: ${Object.keys(info.clients).join(", ")})`;
  if (nemesis === "all" || nemesis === "none") return undefined;
  const words = nemesis.split(",").map((word) => word.split(":"));
  if (words.some(([kind]) => kind === "partition") && !(info.partitionsOn ?? info.runtimes).includes(runtime as TestSpec["runtime"])) {
    return `${variant.system} cannot be partitioned on the ${runtime} runtime`;
  }
  // What each fault kind can do to this system on this runtime (the nemesis catalog's support).
  const support = catalog.nemesisSupport?.(variant.system, runtime as TestSpec["runtime"]);
  for (const [kind, modes] of words) {
    const can = support?.[kind];
    if (!can) continue;
    if (can.modes.length === 0) return `the ${kind} nemesis cannot act on ${variant.system} on the ${runtime} runtime${can.why ? `: ${can.why}` : ""}`;
    const missing = (modes ?? "").split("+").filter((mode) => mode !== "" && !can.modes.includes(mode));
    if (missing.length > 0) return `the ${kind} nemesis cannot do ${missing.join(", ")} to ${variant.system} on the ${runtime} runtime (it can: ${can.modes.join(", ")})`;
  }
  return undefined;
}

/** Expands the suite into cells. `flags` (the command line's --store) override every cell. */
export function expandMatrix(suite: SuiteDefinition, catalog: SpecCatalog, flags: RawSettings = {}): Matrix {
  for (const variant of suite.systems) if (!catalog.systems[variant.system]) throw unknownChoice(`system in suite ${suite.path}`, variant.system, Object.keys(catalog.systems));
  for (const workload of suite.workloads) if (!Object.hasOwn(catalog.workloads, workload)) throw unknownChoice(`workload in suite ${suite.path}`, workload, Object.keys(catalog.workloads));
  const runnable: RunnableCell[] = [];
  const skipped: SkippedCell[] = [];
  let total = 0;
  for (const variant of suite.systems) {
    const settings = overlay(suite.settings, variant.settings);
    for (const workload of suite.workloads) {
      for (const nemesis of suite.nemeses) {
        for (const seed of suite.seeds) {
          total++;
          const key: CellKey = { id: `${variant.label}/${workload}/${nemesis}/${seed}`, variant: variant.label, system: variant.system, workload, nemesis, seed };
          const reason = unsupported(catalog, variant, settings, workload, nemesis);
          if (reason) {
            skipped.push({ ...key, reason });
            continue;
          }
          const config = { ...settings, system: variant.system, workload, nemesis, seed, name: `${variant.label}-${workload}-${nemesisSlug(nemesis)}` };
          let spec: TestSpec;
          try {
            spec = buildSpec(config, flags, catalog);
          } catch (err) {
            if (err instanceof UsageError) throw new UsageError(`suite ${suite.path}, cell ${key.id}: ${err.message}`);
            throw err;
          }
          runnable.push({ ...key, spec });
        }
      }
    }
  }
  return { total, runnable, skipped };
}
