// One run, top to bottom (DESIGN §1): runtime → system setup → clients + nemesis under the
// generator → heal, recover, final reads → teardown → checkers → results.json → report.html.
// Every step writes what it learned to the run directory as it goes; whatever happens, the
// cluster is torn down.

import { join } from "node:path";
import type { CheckResult } from "../../checkers/checker.ts";
import type { ClusterContext, System } from "../../clusters/system.ts";
import type { Runtime } from "../../clusters/runtime/runtime.ts";
import { LocalRuntime } from "../../clusters/runtime/local/local-runtime.ts";
import { partitionNote } from "../../clusters/lifecycle/partition-note.ts";
import { composeNemeses } from "../../nemeses/compose.ts";
import { faultKinds, scheduledFaults } from "../../nemeses/catalog.ts";
import type { NemesisContext } from "../../nemeses/nemesis.ts";
import { renderRunReport } from "../../reports/run-report.ts";
import { RealClock, NS_PER_S } from "../clock.ts";
import { registerTeardown } from "./exit-handlers.ts";
import { HistoryWriter } from "../history/writer.ts";
import { interpret } from "../interpreter/interpreter.ts";
import type { Op } from "../op.ts";
import { Rng } from "../rng.ts";
import { buildRunShape } from "./run-shape.ts";
import { REGISTRY, type Registry } from "./registry.ts";
import { describeNemesis, type TestSpec } from "../spec/test-spec.ts";
import { RUN_FILES, RunLog, createRunDir, linkLatest, writeFileAtomic, writeJsonAtomic } from "../store/store.ts";
import { judgeRun } from "../verdicts/judge.ts";
import { Progress } from "./progress.ts";
import { UsageError } from "../errors.ts";
import { typedOptions } from "../spec/typed-options.ts";

export interface RunOutcome {
  runDir: string;
  results: CheckResult;
}

export interface RunHooks {
  /** Called once the run directory exists (so a caller can say where to look even if it fails). */
  onRunDir?(dir: string): void;
  /** Where progress lines go (stderr on a TTY); silent when absent. */
  progress?: NodeJS.WritableStream;
  /** Aborting stops the main phase early; the run still heals, checks and reports. */
  signal?: AbortSignal;
}

export function nodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `n${i + 1}`);
}

/** The runtime `system` runs on for `spec`; `log` gets what a user should know about it (where
 *  faults cannot reach, image builds). */
export async function createRuntime(spec: TestSpec, system: System, dir: string, stateDir: string, log: (line: string) => void = () => {}): Promise<Runtime> {
  const note = partitionNote(system, spec.runtime);
  if (note) log(note);
  if (spec.runtime === "local") {
    return LocalRuntime.create({ nodes: nodeNames(spec.nodes), dir, seed: spec.seed, stateDir });
  }
  const layout = system.docker;
  if (!layout) throw new UsageError(`system ${system.name} has no Docker image; it runs on: ${system.runtimes.join(", ")}`);
  // Docker is optional: its modules load only for docker runs, and an engine that can't be reached
  // is a bad-arguments error (exit 254), not a crash.
  const { ensureDocker } = await import("../../clusters/runtime/docker/engine.ts");
  const { buildImages } = await import("../../clusters/runtime/docker/images/build-images.ts");
  const { createDockerRuntimeFor } = await import("../../clusters/runtime/docker/for-system.ts");
  try {
    await ensureDocker({ install: false });
  } catch (err) {
    throw new UsageError(`--runtime docker: ${(err as Error).message.split("\n")[0]}`);
  }
  await buildImages([layout.image], { installDocker: false, onProgress: log });
  return createDockerRuntimeFor(layout, { nodes: nodeNames(spec.nodes), testName: spec.name, dir });
}

export async function runTest(spec: TestSpec, hooks: RunHooks = {}, registry: Registry = REGISTRY): Promise<RunOutcome> {
  const system: System = registry.systems[spec.system];
  const workload = registry.workloads[spec.workload];
  if (!system || !workload) throw new Error(`runTest: the spec names ${system ? "" : `system ${spec.system} `}${workload ? "" : `workload ${spec.workload} `}that the registry does not hold; specs must be built against its catalog`);
  const runDir = createRunDir(spec.store, spec.name, new Date());
  hooks.onRunDir?.(runDir);
  linkLatest(spec.store, runDir);
  const log = new RunLog(join(runDir, RUN_FILES.log));
  const rng = new Rng(spec.seed);
  const generatorRng = rng.fork();
  const nemesisRng = rng.fork();
  const systemRng = rng.fork();
  const faultRng = rng.fork();

  const options: Record<string, unknown> = typedOptions(spec.options);
  for (const kind of spec.nemesis) {
    const storage = faultKinds[kind].storage;
    if (storage && options.storage === undefined) options.storage = storage;
  }
  writeJsonAtomic(join(runDir, RUN_FILES.spec), {
    spec,
    resolvedOptions: options,
    system: { name: system.name, claims: system.claims },
    versions: { faultline: process.env.npm_package_version ?? "0.1.0", node: process.version, platform: `${process.platform}-${process.arch}` },
    startedAt: new Date().toISOString(),
  });
  log.line(`run ${spec.name} seed=${spec.seed} system=${spec.system} runtime=${spec.runtime} nodes=${spec.nodes} workload=${spec.workload} nemesis=${describeNemesis(spec)} bugs=${spec.bugs.join(",") || "none"}`);

  const writer = new HistoryWriter(join(runDir, RUN_FILES.history), { keepInMemory: true });
  const runtime = await createRuntime(spec, system, join(runDir, RUN_FILES.nodes), join(spec.store, ".faultline"), (line) => log.line(line));
  const nemesis = composeNemeses(spec.nemesis.map((kind) => faultKinds[kind].make()));
  const clusterContext: ClusterContext = {
    runtime,
    nodes: runtime.nodes().map((n) => n.name),
    bugs: spec.bugs,
    options,
    rng: systemRng,
    log: (line) => log.line(line),
  };
  const nemesisContext: NemesisContext = { ...clusterContext, system, rng: nemesisRng };

  let tornDown = false;
  const teardown = async () => {
    if (tornDown) return;
    tornDown = true;
    await nemesis.heal(nemesisContext).catch((err) => log.line(`heal at teardown failed: ${(err as Error).message}`));
    await writer.close().catch((err) => log.line(`closing history failed: ${(err as Error).message}`));
    await runtime.collectLogs(join(runDir, RUN_FILES.nodes)).catch((err) => log.line(`collecting node logs failed: ${(err as Error).message}`));
    await system.teardown(clusterContext).catch((err) => log.line(`system teardown failed: ${(err as Error).message}`));
    await runtime.teardown();
    log.line("torn down");
  };
  const unregister = registerTeardown(teardown);

  const progress = hooks.progress ? new Progress(hooks.progress, spec.timeS) : undefined;
  try {
    log.line("setting up the cluster");
    await system.setup(clusterContext);
    log.line(`cluster up: ${clusterContext.nodes.join(" ")}`);

    const clock = new RealClock();
    const generator = buildRunShape({
      workload,
      workloadOptions: { ...options, keys: spec.keys },
      timeNs: spec.timeS * NS_PER_S,
      rate: spec.rate,
      faults: scheduledFaults(spec.nemesis, spec.nemesisModes),
      nemesisIntervalNs: spec.nemesisIntervalS * NS_PER_S,
      recoveryNs: spec.recoveryS * NS_PER_S,
      faultRng,
    });
    progress?.start();
    await interpret({
      generator,
      clock,
      rng: generatorRng,
      concurrency: spec.concurrency,
      openClient: (process) => system.clients[spec.workload](clusterContext, clusterContext.nodes[process % clusterContext.nodes.length]),
      homeNode: (process) => clusterContext.nodes[process % clusterContext.nodes.length],
      nemesis: { invoke: (invocation) => nemesis.invoke(nemesisContext, invocation) },
      record: (op: Op) => {
        writer.append(op);
        progress?.observe(op);
        if (op.process === "nemesis" && op.type !== "invoke") log.line(`nemesis ${op.f} ${op.type} ${JSON.stringify(op.value)}${op.error ? ` (${op.error})` : ""}`);
      },
      opTimeoutMs: spec.opTimeoutMs,
      nemesisTimeoutMs: 60_000,
      signal: hooks.signal,
    });
    progress?.stop();
    log.line(`workload finished: ${writer.count} history entries`);
  } finally {
    progress?.stop();
    await teardown();
    unregister();
  }

  log.line("checking");
  const history = writer.ops();
  const results = judgeRun(spec, system, workload, history);
  writeJsonAtomic(join(runDir, RUN_FILES.results), results);
  log.line(`verdict: ${String(results.valid)}`);
  writeFileAtomic(join(runDir, RUN_FILES.report), await renderRunReport({ runDir, spec, system, results, history }));
  log.line(`report: ${join(runDir, RUN_FILES.report)}`);
  return { runDir, results };
}
