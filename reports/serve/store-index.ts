// What `faultline serve` lists: every run in the store (store/<test>/<timestamp>/ with a test.json)
// and every suite folder (store/suites/<suite>/<timestamp>/suite.json), read from disk — the store
// is the source of truth. A run's summary is cached by the mtime of its results.json, so a page
// load reads only what changed since the last one.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ClaimJudgement } from "../../harness/store/results.ts";
import { RUN_FILES } from "../../harness/store/store.ts";
import { describeNemesis, type TestSpec } from "../../harness/spec/test-spec.ts";

export interface RunEntry {
  /** "<test>/<timestamp>" under the store. */
  path: string;
  test: string;
  system: string;
  workload: string;
  nemesis: string;
  seed: number;
  bugs: string[];
  /** ISO time; from test.json, else the folder's name. */
  startedAt: string;
  /** "true" | "false" | "unknown", or "running" while a run has no results.json yet. */
  valid: string;
  refuted: string[];
  hasReport: boolean;
}

export interface SuiteEntry {
  /** "suites/<suite>/<timestamp>" under the store. */
  path: string;
  suite: string;
  status: string;
  startedAt: string;
  shard: string;
  counts: Record<string, number>;
  verdict: string;
  hasCompare: boolean;
}

/** Folders of the store root that are not tests. */
const NOT_TESTS = new Set(["suites", "latest", ".faultline"]);
const STAMP = /^\d{8}T\d{6}/;

/** 20261123T064031 → 2026-11-23T06:40:31.000Z. */
function stampTime(name: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})/.exec(name);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z` : new Date(0).toISOString();
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}

export class StoreIndex {
  private readonly cache = new Map<string, { key: string; entry: RunEntry }>();

  constructor(readonly root: string) {}

  runs(): RunEntry[] {
    const out: RunEntry[] = [];
    for (const test of subdirs(this.root)) {
      if (NOT_TESTS.has(test) || test.startsWith(".")) continue;
      for (const stamp of subdirs(join(this.root, test))) {
        if (!STAMP.test(stamp)) continue;
        const entry = this.run(`${test}/${stamp}`);
        if (entry) out.push(entry);
      }
    }
    return out.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : a.path.localeCompare(b.path)));
  }

  private run(path: string): RunEntry | undefined {
    const dir = join(this.root, path);
    const specPath = join(dir, RUN_FILES.spec);
    if (!existsSync(specPath)) return undefined;
    const resultsPath = join(dir, RUN_FILES.results);
    const resultsStat = existsSync(resultsPath) ? statSync(resultsPath) : undefined;
    const key = `${statSync(specPath).mtimeMs}:${resultsStat?.mtimeMs ?? "none"}:${existsSync(join(dir, RUN_FILES.report))}`;
    const cached = this.cache.get(path);
    if (cached && cached.key === key) return cached.entry;
    const written = readJson(specPath) as { spec?: Partial<TestSpec>; startedAt?: string } | undefined;
    const spec = written?.spec;
    if (!spec || typeof spec.system !== "string") return undefined;
    const results = resultsStat ? (readJson(resultsPath) as { valid?: unknown; claims?: ClaimJudgement[] } | undefined) : undefined;
    const entry: RunEntry = {
      path,
      test: path.split("/")[0],
      system: spec.system,
      workload: String(spec.workload ?? ""),
      nemesis: describeNemesis({ nemesis: spec.nemesis ?? [], nemesisModes: spec.nemesisModes ?? {} }),
      seed: Number(spec.seed ?? 0),
      bugs: spec.bugs ?? [],
      startedAt: typeof written?.startedAt === "string" ? written.startedAt : stampTime(path.split("/")[1]),
      valid: results ? String(results.valid) : "running",
      refuted: (results?.claims ?? []).filter((c) => c.verdict === "refuted" && c.claimed !== false).map((c) => c.claim),
      hasReport: existsSync(join(dir, RUN_FILES.report)),
    };
    this.cache.set(path, { key, entry });
    return entry;
  }

  suites(): SuiteEntry[] {
    const out: SuiteEntry[] = [];
    const root = join(this.root, "suites");
    for (const suite of subdirs(root)) {
      for (const stamp of subdirs(join(root, suite))) {
        const dir = join(root, suite, stamp);
        const record = readJson(join(dir, "suite.json")) as
          | { suite?: string; status?: string; startedAt?: string; shard?: { index: number; count: number } | null; counts?: Record<string, number>; verdict?: unknown }
          | undefined;
        if (!record) continue;
        out.push({
          path: `suites/${suite}/${stamp}`,
          suite: String(record.suite ?? suite),
          status: String(record.status ?? "unknown"),
          startedAt: record.startedAt ?? stampTime(stamp),
          shard: record.shard ? `${record.shard.index}/${record.shard.count}` : "all",
          counts: record.counts ?? {},
          verdict: String(record.verdict ?? "unknown"),
          hasCompare: existsSync(join(dir, "compare.html")),
        });
      }
    }
    return out.sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
  }
}
