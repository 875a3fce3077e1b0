// What a CLI call costs before it does anything, and what that adds up to: bare `node -e 0` as the
// baseline; `faultline --help` and `--version` from the compiled dist/ and from the TypeScript
// sources (tsx, FAULTLINE_CODE=sources); and 102 small histories checked one `faultline check`
// call each, both ways (the shipped example histories, in turn). Wall-clock medians of sequential
// calls: on a busy machine every row, the baseline included, goes up together.
//
// dist/ must be the build of the sources as they are; if it is not, the bench builds it first.

import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "../harness/source-path.ts";
import type { BenchRow } from "./bench-row.ts";

const BIN = join(REPO_ROOT, "bin", "faultline.js");
const CALLS = 15;
const HISTORIES = 102;

/** The shipped example histories (checkers/examples) and how each is checked. */
const EXAMPLES: { file: string; args: string[] }[] = [
  { file: "etcd-cas-register-ok.log", args: ["--workload", "register", "--model", "cas-register"] },
  { file: "etcd-cas-register-bad.log", args: ["--workload", "register", "--model", "cas-register"] },
  { file: "kv-bad.edn", args: ["--workload", "register", "--model", "kv"] },
  { file: "elle-g-single.edn", args: ["--workload", "list-append"] },
  { file: "elle-g2-item.edn", args: ["--workload", "list-append"] },
];

type Code = "dist" | "sources";

function call(args: string[], code: Code | undefined, expect: readonly number[] = [0]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, {
    cwd: REPO_ROOT,
    encoding: "utf8",
    env: { ...process.env, ...(code ? { FAULTLINE_CODE: code } : {}) },
  });
  const elapsed = performance.now() - started;
  if (result.status === null || !expect.includes(result.status)) {
    throw new Error(`startup bench: \`node ${args.join(" ")}\`${code ? ` (FAULTLINE_CODE=${code})` : ""} exited ${result.status ?? result.signal}; stderr: ${result.stderr.trim().split("\n").slice(-3).join(" | ")}`);
  }
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function medianOf(args: string[], code?: Code): number {
  call(args, code); // warm the file cache
  return median(Array.from({ length: CALLS }, () => call(args, code)));
}

function ensureFreshDist(): void {
  const probe = spawnSync(process.execPath, [BIN, "--version"], { cwd: REPO_ROOT, encoding: "utf8" });
  if (probe.stdout.includes("compiled JavaScript (dist/)")) return;
  console.error(`bench startup: dist/ is not current (${probe.stdout.trim()}); building it`);
  const built = spawnSync(process.execPath, [join(REPO_ROOT, "bin", "build.js")], { cwd: REPO_ROOT, stdio: "inherit" });
  if (built.status !== 0) throw new Error("startup bench: npm run build failed; see above");
}

/** Seconds to check HISTORIES histories, one CLI call each. */
function checkHistories(code: Code): number {
  let totalMs = 0;
  for (let i = 0; i < HISTORIES; i++) {
    const example = EXAMPLES[i % EXAMPLES.length];
    totalMs += call([BIN, "check", join(REPO_ROOT, "checkers", "examples", example.file), ...example.args], code, [0, 1]);
  }
  return totalMs / 1000;
}

export async function bench(): Promise<BenchRow[]> {
  ensureFreshDist();
  const node = medianOf(["-e", "0"]);
  const vsNode = (name: string, value: number): BenchRow => ({ name, value, unit: "ms", baseline: { name: "node -e 0", value: node }, ratio: value / node });
  const helpDist = medianOf([BIN, "--help"], "dist");
  const helpSources = medianOf([BIN, "--help"], "sources");
  const versionDist = medianOf([BIN, "--version"], "dist");
  const checksDist = checkHistories("dist");
  const checksSources = checkHistories("sources");
  return [
    { name: "node -e 0 (baseline)", value: node, unit: "ms" },
    vsNode("faultline --help, compiled dist/", helpDist),
    vsNode("faultline --version, compiled dist/", versionDist),
    vsNode("faultline --help, sources through tsx", helpSources),
    { name: `check ${HISTORIES} histories, one call each, dist/`, value: checksDist, unit: "s", baseline: { name: "sources through tsx", value: checksSources }, ratio: checksDist / checksSources },
  ];
}
