// One run, top to bottom (DESIGN §1): runtime → system setup → clients + nemesis under the
// generator → heal, recover, final reads → teardown → checkers → results.json → report.html.
// Every step writes what it learned to the run directory as it goes; whatever happens, the
// cluster is torn down.

import { join } from "node:path";
import type { CheckResult } from "../../checkers/checker.ts";
import { claimsOf, type ClusterContext, type System } from "../../clusters/system.ts";
import type { Runtime } from "../../clusters/runtime/runtime.ts";
import { LocalRuntime } from "../../clusters/runtime/local/local-runtime.ts";
import { partitionNote } from "../../clusters/lifecycle/partition-note.ts";
import { preflight } from "../../clusters/lifecycle/preflight.ts";
import { composeNemeses } from "../../nemeses/compose.ts";
import { faultKinds, scheduledFaults } from "../../nemeses/catalog.ts";
import type { NemesisContext } from "../../nemeses/nemesis.ts";
import { renderRunReport } from "../../reports/run-report.ts";
import { RealClock, NS_PER_S } from "../clock.ts";
import { registerTeardown } from "./exit-handlers.ts";
import { judgeOffThread } from "./judge-off-thread.ts";
import { RunPhases, withEnding, type RunPhase } from "./run-phases.ts";
import { HistoryWriter } from "../history/writer.ts";
import { interpret } from "../interpreter/interpreter.ts";
import type { Op } from "../op.ts";
import { Rng } from "../rng.ts";
import { buildRunShape } from "./run-shape.ts";
import { REGISTRY, systems as registeredSystems, workloads as registeredWorkloads, type Registry } from "./registry.ts";
import { describeNemesis, type TestSpec } from "../spec/test-spec.ts";
import { RUN_FILES, RunLog, createRunDir, linkLatest, writeFileAtomic, writeJsonAtomic } from "../store/store.ts";
import { formatBytes, removeNodeData } from "../store/node-data.ts";
import type { RunInterruption } from "../store/results.ts";
import { judgeRun } from "../verdicts/judge.ts";
import { Progress } from "./progress.ts";
import { UsageError } from "../errors.ts";
import { typedOptions } from "../spec/typed-options.ts";
import { checkOptions } from "../spec/options.ts";
import type { Workload } from "../../workloads/workload.ts";

export interface RunOutcome {
  runDir: string;
  results: CheckResult;
  /** Set when a stop was requested (hooks.signal aborted), in whatever phase. */
  interrupted?: RunInterruption;
  /** Entries in history.jsonl. */
  historyEntries: number;
}

/** How long the orderly teardown waits for fault ops still running, and then for the heal. */
const TEARDOWN_STEP_MS = 30_000;
/** After a stop request, the check of what was recorded gets at most this budget. */
const CHECK_AFTER_STOP_S = 30;

export interface RunHooks {
  /** Called once the run directory exists (so a caller can say where to look even if it fails). */
  onRunDir?(dir: string): void;
  /** Where progress goes (progress.ts): a live line when it is a terminal, else a plain line every
   *  5 s; silent when absent. */
  progress?: NodeJS.WritableStream;
  /** Aborting (reason: the signal's name, e.g. "SIGINT") stops the run in order wherever it is:
   *  the workload first, then the history is closed, faults healed, the cluster torn down, what
   *  was recorded checked and reported — the results say the run was interrupted. Aborting during
   *  checking abandons the check (verdict unknown). */
  signal?: AbortSignal;
  /** Hears each phase begin (also logged to harness.log as `phase <name>`). */
  onPhase?(phase: RunPhase): void;
  /** Keep the nodes' data directories even when the run is valid (they are always kept when it is
   *  invalid, unknown or crashed); nodes/<node>/*.log are kept either way. */
  keepData?: boolean;
}

export function nodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `n${i + 1}`);
}

/** The runtime `system` runs on for `spec`; `log` gets what a user should know about it (where
 *  faults cannot reach, image builds). */
export async function createRuntime(spec: TestSpec, system: System, dir: string, stateDir: string, log: (line: string) => void = () => {}): Promise<Runtime> {
  preflight(system, spec.runtime, spec.options);
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

/** The spec with its system's defaults for its workload (System.workloadDefaults) under the
 *  spec's own options, which win. A default the workload does not read is refused like a typo. */
export function withWorkloadDefaults(spec: TestSpec, system: System, workload: Workload): TestSpec {
  const defaults = system.workloadDefaults?.[spec.workload];
  if (!defaults) return spec;
  const options = { ...defaults, ...spec.options };
  checkOptions({ name: system.name, options: system.options }, { name: spec.workload, reader: workload }, options, spec.keys);
  return { ...spec, options };
}

export async function runTest(given: TestSpec, hooks: RunHooks = {}, registry: Registry = REGISTRY): Promise<RunOutcome> {
  const progress = hooks.progress ? new Progress(hooks.progress, { limitsS: { main: given.timeS, recovery: given.recoveryS, checking: given.checkTimeLimitS } }) : undefined;
  if (!progress) return runWithProgress(given, hooks, registry, undefined);
  const onPhase = (phase: RunPhase) => {
    progress.enterPhase(phase);
    hooks.onPhase?.(phase);
  };
  progress.start();
  let reachedEnd = false;
  try {
    const outcome = await runWithProgress(given, { ...hooks, onPhase }, registry, progress);
    reachedEnd = true;
    return outcome;
  } finally {
    progress.stop(reachedEnd);
  }
}

async function runWithProgress(given: TestSpec, hooks: RunHooks, registry: Registry, progress: Progress | undefined): Promise<RunOutcome> {
  const system: System = registry.systems[given.system];
  const workload = registry.workloads[given.workload];
  if (!system || !workload) throw new Error(`runTest: the spec names ${system ? "" : `system ${given.system} `}${workload ? "" : `workload ${given.workload} `}that the registry does not hold; specs must be built against its catalog`);
  const spec = withWorkloadDefaults(given, system, workload);
  const runDir = createRunDir(spec.store, spec.name, new Date());
  hooks.onRunDir?.(runDir);
  linkLatest(spec.store, runDir);
  const log = new RunLog(join(runDir, RUN_FILES.log));
  const defaulted = Object.keys(spec.options).filter((name) => !Object.hasOwn(given.options, name));
  if (defaulted.length > 0) log.line(`${system.name}'s defaults for workload ${spec.workload}: ${defaulted.map((name) => `${name}=${spec.options[name]}`).join(" ")}`);
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
    system: { name: system.name, claims: claimsOf(system, options) },
    versions: { faultline: process.env.npm_package_version ?? "0.1.0", node: process.version, platform: `${process.platform}-${process.arch}` },
    startedAt: new Date().toISOString(),
  });
  log.line(`run ${spec.name} seed=${spec.seed} system=${spec.system} runtime=${spec.runtime} nodes=${spec.nodes} workload=${spec.workload} nemesis=${describeNemesis(spec)} bugs=${spec.bugs.join(",") || "none"}`);
  const phases = new RunPhases(spec.timeS, (line) => log.line(line), hooks.onPhase, hooks.signal);

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

  // Fault ops still running when the workload stops (a restart in flight) must finish before the
  // heal, or both start the same node.
  const faultsInFlight = new Set<Promise<unknown>>();
  const trackFault = <T>(op: Promise<T>): Promise<T> => {
    faultsInFlight.add(op);
    void op.catch(() => {}).finally(() => faultsInFlight.delete(op));
    return op;
  };
  // In order, once the workload has stopped: close the history, let fault ops finish, heal, collect
  // logs, tear the cluster down.
  let tornDown = false;
  const teardown = async () => {
    if (tornDown) return;
    tornDown = true;
    await writer.close().catch((err) => log.line(`closing history failed: ${(err as Error).message}`));
    if (faultsInFlight.size > 0 && !(await within(Promise.allSettled([...faultsInFlight]), TEARDOWN_STEP_MS))) {
      log.line(`${faultsInFlight.size} fault op(s) still running ${TEARDOWN_STEP_MS / 1000} s after the workload stopped; healing anyway`);
    }
    const healed = nemesis.heal(nemesisContext).then(
      () => true,
      (err: unknown) => (log.line(`heal at teardown failed: ${(err as Error).message}`), true),
    );
    if (!(await within(healed, TEARDOWN_STEP_MS))) log.line(`heal at teardown did not finish within ${TEARDOWN_STEP_MS / 1000} s; tearing down anyway`);
    await runtime.collectLogs(join(runDir, RUN_FILES.nodes)).catch((err) => log.line(`collecting node logs failed: ${(err as Error).message}`));
    await system.teardown(clusterContext).catch((err) => log.line(`system teardown failed: ${(err as Error).message}`));
    await runtime.teardown();
    log.line("torn down");
  };
  // A second signal, or a crash outside the run's own code: keep what the history has, kill the
  // cluster, nothing else.
  const unregister = registerTeardown(async () => {
    try {
      writer.flush();
    } catch (err) {
      log.line(`flushing the history failed: ${(err as Error).message}`);
    }
    log.line("tearing the cluster down at once");
    await runtime.teardown();
    log.line("torn down (at once)");
  });

  let crash: unknown;
  try {
    log.line("setting up the cluster");
    if (!(await phases.untilStopped("cluster setup", system.setup(clusterContext)))) throw STOPPED;
    log.line(`cluster up: ${clusterContext.nodes.join(" ")}`);

    const clock = new RealClock();
    nemesisContext.nowNs = () => clock.nowNs();
    const generator = buildRunShape({
      workload,
      workloadOptions: { ...options, keys: spec.keys },
      timeNs: spec.timeS * NS_PER_S,
      rate: spec.rate,
      faults: scheduledFaults(spec.nemesis, spec.nemesisModes),
      nemesisIntervalNs: spec.nemesisIntervalS * NS_PER_S,
      recoveryNs: spec.recoveryS * NS_PER_S,
      faultRng,
      onPhase: (phase) => phases.enter(phase),
    });
    if (phases.stopped) throw STOPPED;
    const ran = await interpret({
      generator,
      clock,
      rng: generatorRng,
      concurrency: spec.concurrency,
      openClient: (process) => system.clients[spec.workload](clusterContext, clusterContext.nodes[process % clusterContext.nodes.length]),
      homeNode: (process) => clusterContext.nodes[process % clusterContext.nodes.length],
      nemesis: { invoke: (invocation) => trackFault(nemesis.invoke(nemesisContext, invocation)) },
      record: (op: Op) => {
        writer.append(op);
        progress?.observe(op);
        if (op.process === "nemesis" && op.type !== "invoke") log.line(`nemesis ${op.f} ${op.type} ${JSON.stringify(op.value)}${op.error ? ` (${op.error})` : ""}`);
      },
      opTimeoutMs: spec.opTimeoutMs,
      nemesisTimeoutMs: 60_000,
      signal: hooks.signal,
    });
    phases.historyComplete = !ran.aborted;
    log.line(`workload ${ran.aborted ? "stopped" : "finished"}: ${writer.count} history entries`);
  } catch (err) {
    if (err instanceof UsageError) {
      // Printed as the command's one-line error; the run's log keeps it beside the phases.
      log.line(`stopped in ${phases.phase}: ${err.message}`);
      throw err;
    }
    if (err !== STOPPED) {
      crash = err;
      phases.noteCrash(err);
    }
  } finally {
    phases.enter("teardown");
    try {
      await teardown();
    } finally {
      unregister();
    }
  }

  phases.enter("checking");
  const history = writer.ops();
  let checkAbandoned = false;
  let results: CheckResult;
  try {
    results = (await judgeRecorded(spec, system, workload, history, phases, hooks.signal, (line) => log.line(line))) ?? abandonedCheck();
    checkAbandoned = phases.interruption?.phase === "checking";
  } catch (err) {
    crash ??= err;
    phases.noteCrash(err);
    results = { valid: "unknown", unknownBecause: [`checking failed: ${(err as Error).message}`] };
  }
  results = withEnding(results, phases, checkAbandoned);
  writeJsonAtomic(join(runDir, RUN_FILES.results), results);
  log.line(`verdict: ${String(results.valid)}`);
  if (results.valid === true && crash === undefined && !hooks.keepData) {
    const removal = removeNodeData(runDir);
    if (removal.removed.length > 0) log.line(`node data removed (${formatBytes(removal.bytes)}), logs kept: the run is valid; --keep-data keeps it`);
  } else {
    log.line(`node data kept in ${join(runDir, RUN_FILES.nodes)}: ${hooks.keepData ? "--keep-data" : crash !== undefined ? "the harness crashed" : `the verdict is ${String(results.valid)}`}`);
  }
  phases.enter("report");
  writeFileAtomic(join(runDir, RUN_FILES.report), await renderRunReport({ runDir, spec, system, results, history }));
  log.line(`report: ${join(runDir, RUN_FILES.report)}`);
  phases.dispose();
  if (crash !== undefined) throw crash;
  return { runDir, results, historyEntries: writer.count, ...(phases.interruption ? { interrupted: phases.interruption } : {}) };
}

/** Thrown inside runTest when a stop request ends setup or the workload early; not a crash. */
const STOPPED = Symbol("run stopped");

/** Whether `work` settled within `ms`. */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function abandonedCheck(): CheckResult {
  return { valid: "unknown", unknownBecause: ["the check was abandoned at the stop request, before it finished"] };
}

/** Checks the history in a worker thread, so a stop request during checking is heard; in this
 *  thread only for a system or workload the registry does not hold (a test's own). Undefined when
 *  the check was abandoned. After a stop request the check gets a shorter budget: a user who
 *  pressed Ctrl-C is waiting. */
async function judgeRecorded(spec: TestSpec, system: System, workload: Workload, history: readonly Op[], phases: RunPhases, stop: AbortSignal | undefined, log: (line: string) => void): Promise<CheckResult | undefined> {
  const budgetS = phases.stopped ? Math.min(spec.checkTimeLimitS, CHECK_AFTER_STOP_S) : spec.checkTimeLimitS;
  if (budgetS !== spec.checkTimeLimitS) log(`checking what was recorded with a ${budgetS} s budget (the run was stopped)`);
  const judged: TestSpec = { ...spec, checkTimeLimitS: budgetS };
  if (registeredSystems[spec.system] !== system || registeredWorkloads[spec.workload] !== workload) return judgeRun(judged, system, workload, history);
  return judgeOffThread(judged, history, stop);
}
