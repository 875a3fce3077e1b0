// A suite file (SUITE.yaml) is plain data: a matrix of systems × workloads × nemeses × seeds, and
// any `faultline run` setting as a scalar that applies to every cell.
//
//   name: cap
//   runtime: docker          # a run setting: every cell
//   time: 30
//   systems:                 # a name, or a mapping: a variant with settings of its own
//     - raft
//     - { system: raft, bug: stale-read, as: raft-stale-read }
//   workloads: [register, set]
//   nemeses: [partition, "partition,kill"]
//   seeds: [1, 2]
//
// A variant's settings override the suite's; `as` names it (in cell ids and the store). The file is
// validated here for shape only; each cell's spec is then built by buildSpec like any run.

import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { parse as parseYaml } from "yaml";
import { UsageError } from "../../errors.ts";
import type { RawSettings } from "../../spec/build-spec.ts";

/** One entry of `systems`: a registered system, maybe with settings of its own (a bug, options). */
export interface SystemVariant {
  /** The variant's label: `as`, else the system's name. Unique within a suite. */
  label: string;
  system: string;
  /** Run settings for this variant only; they override the suite's. */
  settings: RawSettings;
}

export interface SuiteDefinition {
  name: string;
  /** Where it was read from, for messages and the resume hint. */
  path: string;
  systems: SystemVariant[];
  workloads: string[];
  /** Each as `--nemesis` takes it: "none", "partition", "partition,kill", "partition:bridge". */
  nemeses: string[];
  seeds: number[];
  /** Every other key: a `faultline run` setting applied to every cell. */
  settings: RawSettings;
}

const LIST_KEYS = ["systems", "workloads", "nemeses", "seeds"] as const;
/** Per-cell keys: a suite names them in the lists, never as a scalar. */
const CELL_KEYS = ["system", "workload", "nemesis", "seed", "name"];
const LABEL = /^[A-Za-z0-9._-]+$/;

export function readSuiteFile(path: string): SuiteDefinition {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read suite file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new UsageError(`suite file ${path} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  return parseSuite(parsed, path);
}

export function parseSuite(parsed: unknown, path: string): SuiteDefinition {
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new UsageError(`suite file ${path} must be a mapping (name, systems, workloads, nemeses, seeds, and run settings such as time: 30)`);
  }
  const raw = parsed as Record<string, unknown>;
  const name = raw.name === undefined ? basename(path, extname(path)) : String(raw.name);
  if (!LABEL.test(name)) throw new UsageError(`suite file ${path}: name "${name}" may use only letters, digits, '.', '_' and '-' (it names a folder)`);
  if (raw.systems === undefined) throw new UsageError(`suite file ${path} has no systems list; add e.g. "systems: [raft]"`);

  const systems = listOf(raw.systems, "systems", path).map((entry, i) => variantOf(entry, i, path));
  const labels = new Set<string>();
  for (const variant of systems) {
    if (labels.has(variant.label)) throw new UsageError(`suite file ${path}: two systems entries are labelled "${variant.label}"; give one of them "as: <label>"`);
    labels.add(variant.label);
  }
  const workloads = raw.workloads === undefined ? ["register"] : listOf(raw.workloads, "workloads", path).map((w) => word(w, "workloads", path));
  const nemeses = raw.nemeses === undefined ? ["none"] : listOf(raw.nemeses, "nemeses", path).map((n) => nemesisWord(n, path));
  const seeds = raw.seeds === undefined ? [1] : listOf(raw.seeds, "seeds", path).map((s) => seedOf(s, path));
  for (const [key, values] of [["workloads", workloads], ["nemeses", nemeses], ["seeds", seeds.map(String)]] as const) {
    const duplicate = values.find((value, i) => values.indexOf(value) !== i);
    if (duplicate !== undefined) throw new UsageError(`suite file ${path}: ${key} lists "${duplicate}" twice`);
  }

  const settings: RawSettings = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === "name" || (LIST_KEYS as readonly string[]).includes(key)) continue;
    if (CELL_KEYS.includes(key)) throw new UsageError(`suite file ${path}: "${key}" varies per cell; list it under ${key === "name" ? "systems (as: <label>)" : `${key === "nemesis" ? "nemeses" : `${key}s`}`}`);
    if (Array.isArray(value) && key !== "bug" && key !== "bugs" && key !== "opt") {
      throw new UsageError(`suite file ${path}: "${key}" is a run setting and takes one value for every cell (got a list); the matrix keys are ${LIST_KEYS.join(", ")}`);
    }
    settings[key] = value;
  }
  return { name, path, systems, workloads, nemeses, seeds, settings };
}

function listOf(value: unknown, key: string, path: string): unknown[] {
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) throw new UsageError(`suite file ${path}: ${key} is empty; list at least one`);
  return items;
}

function word(value: unknown, key: string, path: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new UsageError(`suite file ${path}: every entry of ${key} must be a name, got ${JSON.stringify(value)}`);
  return value.trim();
}

function nemesisWord(value: unknown, path: string): string {
  // YAML reads `nemeses: [[partition, kill]]` as a nested list: the same as "partition,kill".
  if (Array.isArray(value)) return value.map((v) => word(v, "nemeses", path)).join(",");
  return word(value, "nemeses", path).replace(/\s+/g, "");
}

function seedOf(value: unknown, path: string): number {
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) throw new UsageError(`suite file ${path}: seeds must be whole numbers ≥ 0, got ${JSON.stringify(value)}`);
  return n;
}

function variantOf(entry: unknown, index: number, path: string): SystemVariant {
  if (typeof entry === "string") {
    const system = word(entry, "systems", path);
    return { label: system, system, settings: {} };
  }
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
    throw new UsageError(`suite file ${path}: systems entry ${index + 1} must be a system name or a mapping with "system:", got ${JSON.stringify(entry)}`);
  }
  const { system, as, ...settings } = entry as Record<string, unknown>;
  if (typeof system !== "string" || system === "") throw new UsageError(`suite file ${path}: systems entry ${index + 1} needs "system: <name>"`);
  const label = as === undefined ? system : String(as);
  if (!LABEL.test(label)) throw new UsageError(`suite file ${path}: systems entry ${index + 1} is labelled "${label}"; a label may use only letters, digits, '.', '_' and '-'`);
  for (const key of Object.keys(settings)) {
    if (CELL_KEYS.includes(key)) throw new UsageError(`suite file ${path}: systems entry ${index + 1} sets "${key}", which varies per cell; use the suite's lists`);
  }
  return { label, system, settings };
}
