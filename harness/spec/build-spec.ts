// Turns a YAML config and CLI flags into a validated TestSpec. Every problem is a one-line
// UsageError naming the bad field and what would have been valid (exit 254).

import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { UsageError, unknownChoice } from "../errors.ts";
import { checkOptions, type SystemOptionsView, type WorkloadOptionsView } from "./options.ts";
import { DEFAULT_SPEC, type RuntimeKind, type TestSpec } from "./test-spec.ts";

/** What the spec is validated against; the registry provides it. */
export interface SpecCatalog {
  systems: Readonly<
    Record<
      string,
      {
        /** Keyed by the workloads the system has clients for. */
        clients: Readonly<Record<string, unknown>>;
        bugs: readonly { name: string }[];
        runtimes: readonly RuntimeKind[];
        partitionsOn?: readonly RuntimeKind[];
        defaultNodes: number;
        /** The system's declared `--opt` options. */
        options: SystemOptionsView;
      }
    >
  >;
  /** What each workload reads from the options, so that `--opt` names nobody reads are refused. */
  workloads: Readonly<Record<string, WorkloadOptionsView>>;
  /** Fault kind → the modes a user may restrict it to (partition → isolate-leader, bridge, …). */
  nemeses: Readonly<Record<string, readonly string[]>>;
  /** What each kind can do to a system on a runtime: its modes there, or none and why. `all`
   *  takes what is supported; naming an unsupported kind or mode is refused. Everything is
   *  supported when absent. */
  nemesisSupport?(system: string, runtime: RuntimeKind): Readonly<Record<string, { modes: readonly string[]; why?: string }>>;
}

/** The raw, untyped settings as a user writes them (YAML keys = CLI long flag names). */
export type RawSettings = Record<string, unknown>;

/** YAML key / flag name → spec field. Both `bug` and `bugs` are accepted, as `--bug` repeats. */
const KEY_TO_FIELD: Record<string, keyof TestSpec> = {
  name: "name",
  system: "system",
  runtime: "runtime",
  nodes: "nodes",
  workload: "workload",
  nemesis: "nemesis",
  time: "timeS",
  concurrency: "concurrency",
  rate: "rate",
  seed: "seed",
  bug: "bugs",
  bugs: "bugs",
  store: "store",
  "nemesis-interval": "nemesisIntervalS",
  recovery: "recoveryS",
  "op-timeout": "opTimeoutMs",
  keys: "keys",
  "check-time-limit": "checkTimeLimitS",
  options: "options",
  opt: "options",
};

export const KNOWN_NEMESIS_WORDS = ["none", "all"] as const;

export function readConfigFile(path: string): RawSettings {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read config ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new UsageError(`config ${path} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new UsageError(`config ${path} must be a mapping of settings (system: raft, time: 30, …)`);
  }
  return parsed as RawSettings;
}

/** Builds the spec: defaults, then the config file's settings, then flags. */
export function buildSpec(config: RawSettings, flags: RawSettings, catalog: SpecCatalog, now: Date = new Date()): TestSpec {
  const merged: Partial<Record<keyof TestSpec, unknown>> = {};
  for (const [source, settings] of [["config", config], ["flag", flags]] as const) {
    for (const [rawKey, value] of Object.entries(settings)) {
      if (value === undefined) continue;
      // Commander hands flags over camel-cased (nemesisInterval); YAML and docs use the flag's name.
      const key = rawKey.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      const field = KEY_TO_FIELD[key];
      if (!field) throw unknownChoice(`${source} setting`, key, Object.keys(KEY_TO_FIELD));
      merged[field] = field === "options" ? { ...(merged.options as object), ...toOptions(value, key) } : value;
    }
  }

  const system = str(merged.system ?? DEFAULT_SPEC.system, "system");
  const systemInfo = catalog.systems[system];
  if (!systemInfo) throw unknownChoice("system", system, Object.keys(catalog.systems));

  const runtime = str(merged.runtime ?? DEFAULT_SPEC.runtime, "runtime");
  if (runtime !== "local" && runtime !== "docker") throw unknownChoice("runtime", runtime, ["local", "docker"]);
  if (!systemInfo.runtimes.includes(runtime)) {
    throw new UsageError(`system ${system} does not run on the ${runtime} runtime; it runs on: ${systemInfo.runtimes.join(", ")}`);
  }

  const workload = str(merged.workload ?? DEFAULT_SPEC.workload, "workload");
  if (!Object.hasOwn(systemInfo.clients, workload)) {
    throw new UsageError(`system ${system} has no client for workload "${workload}"; its workloads: ${Object.keys(systemInfo.clients).join(", ")}`);
  }

  const { kinds: nemesis, modes: nemesisModes } = parseNemesis(list(merged.nemesis ?? [], "nemesis"), catalog.nemeses, catalog.nemesisSupport?.(system, runtime));
  if (nemesis.includes("partition") && !(systemInfo.partitionsOn ?? systemInfo.runtimes).includes(runtime)) {
    throw new UsageError(`system ${system} cannot be partitioned on the ${runtime} runtime (its nodes talk to each other directly, not through Faultline's proxy); use --runtime ${(systemInfo.partitionsOn ?? ["docker"])[0]} or drop partition from --nemesis`);
  }
  const bugs = list(merged.bugs ?? [], "bug");
  const bugNames = systemInfo.bugs.map((b) => b.name);
  for (const bug of bugs) if (!bugNames.includes(bug)) throw unknownChoice(`bug for ${system}`, bug, bugNames.length ? bugNames : ["(none)"]);

  const seed = merged.seed === undefined ? Math.floor(now.getTime() % 2_147_483_647) : int(merged.seed, "seed", 0);
  const spec: TestSpec = {
    name: str(merged.name ?? `${system}-${workload}`, "name"),
    system,
    runtime,
    nodes: merged.nodes === undefined ? systemInfo.defaultNodes : int(merged.nodes, "nodes", 1, 15),
    workload,
    nemesis,
    nemesisModes,
    timeS: num(merged.timeS ?? DEFAULT_SPEC.timeS, "time", 0.1),
    concurrency: int(merged.concurrency ?? DEFAULT_SPEC.concurrency, "concurrency", 1, 1000),
    rate: num(merged.rate ?? DEFAULT_SPEC.rate, "rate", 0.01),
    seed,
    bugs,
    store: str(merged.store ?? DEFAULT_SPEC.store, "store"),
    nemesisIntervalS: num(merged.nemesisIntervalS ?? DEFAULT_SPEC.nemesisIntervalS, "nemesis-interval", 0.1),
    recoveryS: num(merged.recoveryS ?? DEFAULT_SPEC.recoveryS, "recovery", 0),
    opTimeoutMs: int(merged.opTimeoutMs ?? DEFAULT_SPEC.opTimeoutMs, "op-timeout", 1),
    keys: int(merged.keys ?? DEFAULT_SPEC.keys, "keys", 1),
    checkTimeLimitS: num(merged.checkTimeLimitS ?? DEFAULT_SPEC.checkTimeLimitS, "check-time-limit", 0.1),
    options: (merged.options as Record<string, string>) ?? {},
  };
  if (!/^[A-Za-z0-9._-]+$/.test(spec.name)) throw new UsageError(`name "${spec.name}" may use only letters, digits, '.', '_' and '-' (it names a folder)`);
  const workloadInfo = Object.hasOwn(catalog.workloads, workload) ? catalog.workloads[workload] : undefined;
  if (!workloadInfo) throw unknownChoice("workload", workload, Object.keys(catalog.workloads));
  checkOptions({ name: system, options: systemInfo.options }, { name: workload, reader: workloadInfo }, spec.options, spec.keys);
  return spec;
}

/** `partition,kill` (whole kinds), `partition:isolate-leader+bridge` (a kind restricted to some of
 *  its modes), `all`, or `none`. A kind named both whole and with modes is whole: the union of
 *  everything asked for. */
function parseNemesis(
  words: string[],
  catalog: SpecCatalog["nemeses"],
  support: ReturnType<NonNullable<SpecCatalog["nemesisSupport"]>> | undefined,
): { kinds: string[]; modes: Record<string, string[]> } {
  const valid = Object.keys(catalog);
  if (words.length === 1 && words[0] === "none") return { kinds: [], modes: {} };
  if (words.length === 1 && words[0] === "all") {
    if (!support) return { kinds: [...valid], modes: {} };
    // Every kind the system and runtime support, each restricted to the modes it can do there.
    const kinds = valid.filter((kind) => (support[kind]?.modes.length ?? 0) > 0);
    const modes: Record<string, string[]> = {};
    for (const kind of kinds) {
      const supported = support[kind].modes;
      if (supported.length < catalog[kind].length) modes[kind] = catalog[kind].filter((mode) => supported.includes(mode));
    }
    return { kinds, modes };
  }
  const alone = words.find((word) => (KNOWN_NEMESIS_WORDS as readonly string[]).includes(word));
  if (alone !== undefined) throw new UsageError(`nemesis "${alone}" stands alone; drop it, or drop the other kinds (${words.filter((word) => word !== alone).join(",")})`);
  const kinds: string[] = [];
  const chosen = new Map<string, Set<string> | "all">();
  for (const word of words) {
    const colon = word.indexOf(":");
    const kind = colon < 0 ? word : word.slice(0, colon);
    if (!valid.includes(kind)) throw unknownChoice("nemesis", kind, [...valid, ...KNOWN_NEMESIS_WORDS]);
    if (!kinds.includes(kind)) kinds.push(kind);
    if (colon < 0) {
      chosen.set(kind, "all");
      continue;
    }
    const kindModes = catalog[kind];
    const modes = word.slice(colon + 1).split("+").map((mode) => mode.trim());
    if (modes.some((mode) => mode === "")) {
      throw new UsageError(`nemesis "${word}" names an empty mode; write ${kind}:MODE[+MODE…] with modes from: ${kindModes.join(", ")}`);
    }
    for (const mode of modes) if (!kindModes.includes(mode)) throw unknownChoice(`mode for nemesis ${kind}`, mode, kindModes);
    const already = chosen.get(kind);
    if (already === "all") continue;
    chosen.set(kind, new Set([...(already ?? []), ...modes]));
  }
  const modes: Record<string, string[]> = {};
  // In the catalog's order, whatever order they were typed in: the same choice is the same spec.
  for (const [kind, set] of chosen) if (set !== "all") modes[kind] = catalog[kind].filter((mode) => set.has(mode));
  for (const kind of kinds) {
    const supported = support?.[kind];
    if (!supported) continue;
    if (supported.modes.length === 0) throw new UsageError(supported.why ?? `nemesis ${kind} cannot act on this system and runtime`);
    const asked = modes[kind];
    const refused = (asked ?? []).filter((mode) => !supported.modes.includes(mode));
    if (refused.length > 0) throw new UsageError(`nemesis ${kind}:${refused.join("+")} is not possible here: ${supported.why ?? `its modes here are ${supported.modes.join(", ")}`}`);
    // A whole kind takes what it can do here (link on docker: drop only).
    if (asked === undefined && supported.modes.length < catalog[kind].length) modes[kind] = catalog[kind].filter((mode) => supported.modes.includes(mode));
  }
  return { kinds, modes };
}

function toOptions(value: unknown, key: string): Record<string, string> {
  // `--opt storage=power-loss` arrives as a list of k=v strings; YAML gives a mapping.
  if (Array.isArray(value) || typeof value === "string") {
    const out: Record<string, string> = {};
    for (const item of Array.isArray(value) ? value : [value]) {
      const text = String(item);
      const eq = text.indexOf("=");
      if (eq <= 0) throw new UsageError(`${key} "${text}" must look like name=value`);
      out[text.slice(0, eq)] = text.slice(eq + 1);
    }
    return out;
  }
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
  throw new UsageError(`${key} must be a mapping of name: value`);
}

function str(value: unknown, key: string): string {
  if (typeof value !== "string" || value === "") throw new UsageError(`${key} must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

function list(value: unknown, key: string): string[] {
  const items = Array.isArray(value) ? value : typeof value === "string" ? [value] : undefined;
  if (!items) throw new UsageError(`${key} must be a list of names, got ${JSON.stringify(value)}`);
  return items.flatMap((item) => String(item).split(",")).map((s) => s.trim()).filter(Boolean);
}

function num(value: unknown, key: string, min: number): number {
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n) || n < min) throw new UsageError(`${key} must be a number ≥ ${min}, got ${JSON.stringify(value)}`);
  return n;
}

function int(value: unknown, key: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${key} must be a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? " up" : ` to ${max}`}, got ${JSON.stringify(value)}`);
  }
  return n;
}
