// How long a user waits between typing `faultline run --runtime docker --system etcd --nodes 5`
// and the first client op, with the images already built: CLI start, image check, five containers
// on their own network, five etcd members electing a leader. The baseline, measured in the same
// bench run, is the same wait for our own Raft on the local runtime (five child processes behind
// the fault proxy), the harness's default.
//
// Each run is the real CLI in a child process with --nemesis none and a short --time. The first
// op's moment is read back from the run itself: harness.log's timestamp of "cluster up" plus the
// first history entry's time (nanoseconds since the run's clock started, which is right after that
// line), against the wall clock at spawn. The phases in between come from harness.log too.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchRow } from "./bench-row.ts";

const ENTRY = fileURLToPath(new URL("../bin/faultline.js", import.meta.url));
const NODES = 5;
/** Long enough for a few ops after the first; the wait for the first is what is measured. */
const RUN_SECONDS = 2;
const RUN_TIMEOUT_MS = 5 * 60_000;

export interface FirstOp {
  /** Spawn → first client invoke. */
  firstOpMs: number;
  /** Spawn → the run's first harness.log line (Node.js, tsx and the CLI loading). */
  cliStartMs: number;
  /** First harness.log line → "setting up the cluster" (image check, runtime created). */
  runtimeMs: number;
  /** "setting up the cluster" → "cluster up" (servers started, ready to serve). */
  setupMs: number;
}

function runFaultline(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ENTRY, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGINT"), RUN_TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/** The timestamp of the first harness.log line whose text starts with `prefix`. */
function logTime(lines: readonly string[], prefix: string, runDir: string): number {
  const line = lines.find((candidate) => candidate.slice(candidate.indexOf(" ") + 1).startsWith(prefix));
  if (!line) throw new Error(`docker-first-op: no "${prefix}" line in ${runDir}/harness.log`);
  return Date.parse(line.slice(0, line.indexOf(" ")));
}

/** One run's wait for its first op, in phases (also used by bench/jvm-first-op.ts). */
export async function measureFirstOp(
  system: string,
  runtime: "local" | "docker",
  store: string,
  run: { nodes?: number; workload?: string; extraArgs?: readonly string[] } = {},
): Promise<FirstOp> {
  const spawnedAt = Date.now();
  const args = [
    "run", "--system", system, "--runtime", runtime, "--nodes", String(run.nodes ?? NODES), "--workload", run.workload ?? "register", "--nemesis", "none",
    "--time", String(RUN_SECONDS), "--recovery", "0", "--seed", "1", "--store", store, ...(run.extraArgs ?? []),
  ];
  const { code, stderr } = await runFaultline(args);
  const runDir = /run directory (\S+)/.exec(stderr)?.[1];
  if (code !== 0 || !runDir) throw new Error(`docker-first-op: faultline ${args.join(" ")} exited with ${code}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`);
  const lines = readFileSync(join(runDir, "harness.log"), "utf8").split("\n").filter((line) => line !== "");
  const ops = readFileSync(join(runDir, "history.jsonl"), "utf8").split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as { time: number; process: unknown });
  const first = ops.find((op) => typeof op.process === "number");
  if (!first) throw new Error(`docker-first-op: no client op in ${runDir}/history.jsonl`);
  const firstOpNs = first.time;
  const started = Date.parse(lines[0].slice(0, lines[0].indexOf(" ")));
  const settingUp = logTime(lines, "setting up the cluster", runDir);
  const clusterUp = logTime(lines, "cluster up", runDir);
  return {
    firstOpMs: clusterUp + firstOpNs / 1e6 - spawnedAt,
    cliStartMs: started - spawnedAt,
    runtimeMs: settingUp - started,
    setupMs: clusterUp - settingUp,
  };
}

/** Why Docker runs cannot be measured here, or undefined when an engine answers. */
async function dockerUnavailable(): Promise<string | undefined> {
  const { dockerClient } = await import("../clusters/runtime/docker/engine.ts");
  try {
    await dockerClient().ping();
    return undefined;
  } catch (error) {
    return `Docker engine not reachable at ${process.env.DOCKER_HOST || "/var/run/docker.sock"} (${(error as Error).message.split("\n")[0]})`;
  }
}

export async function bench(): Promise<BenchRow[]> {
  const why = await dockerUnavailable();
  if (why) return [{ name: `skipped: ${why}; scripts/install-docker.sh starts one`, value: 0, unit: "skipped" }];
  const store = mkdtempSync(join(tmpdir(), "faultline-bench-first-op-"));
  try {
    // Built (or found up to date) before the clock starts: the bench is about a run with images ready.
    const { buildImages } = await import("../clusters/runtime/docker/images/build-images.ts");
    const { systemImages } = await import("../clusters/runtime/docker/images/names.ts");
    const { systems } = await import("../harness/run/registry.ts");
    await buildImages(systemImages(systems, ["etcd"]), { installDocker: false });
    const baseline = await measureFirstOp("raft", "local", store);
    const docker = await measureFirstOp("etcd", "docker", store);
    const baselineName = `raft, local runtime, ${NODES} nodes`;
    const rows: BenchRow[] = [
      {
        name: `spawn → first op, etcd, docker runtime, ${NODES} nodes`,
        value: docker.firstOpMs,
        unit: "ms",
        baseline: { name: baselineName, value: baseline.firstOpMs },
        ratio: docker.firstOpMs / baseline.firstOpMs,
      },
    ];
    const phases: [keyof FirstOp, string][] = [
      ["cliStartMs", "CLI start"],
      ["runtimeMs", "images checked + runtime created"],
      ["setupMs", "cluster setup until ready"],
    ];
    for (const [field, label] of phases) {
      rows.push({ name: `  ${label}`, value: docker[field], unit: "ms", baseline: { name: baselineName, value: baseline[field] }, ratio: docker[field] / baseline[field] });
    }
    return rows;
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
}
