// What the end-to-end signal and cleanup tests look at while a real `faultline run` goes: its
// harness.log (phase lines), its state files (the node processes it started) and /proc.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ChildProcess } from "node:child_process";
import { listProcesses, readEnvironment } from "../../clusters/runtime/local/proc.ts";
import { RUN_ID_ENV, type RunState } from "../../clusters/runtime/local/run-state.ts";

/** Polls `probe` every `everyMs` until it returns something; throws naming `what` and, if given,
 *  the harness's last words. */
export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs: number, lastWords?: () => string, everyMs = 25, gone?: () => boolean): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (gone?.()) throw new Error(`the harness exited while waiting for ${what}${lastWords ? `; it said: ${lastWords()}` : ""}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastWords ? `; harness said: ${lastWords()}` : ""}`);
    await sleep(everyMs);
  }
}

/** A spawned harness with its output collected and its end awaited. */
export interface Harness {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines of stderr, for failure messages. */
  lastWords(): string;
}

export function watchHarness(child: ChildProcess): Harness {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    lastWords: () => stderr.trim().split("\n").slice(-6).join(" | "),
  };
}

/** The run directory the harness announced on stderr. */
export function runDirOf(harness: Harness): string | undefined {
  return /run directory (\S+)/.exec(harness.stderr())?.[1];
}

export function harnessLog(runDir: string): string {
  const path = join(runDir, "harness.log");
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}

/** The phases harness.log has announced so far ("phase main" lines), in order. */
export function phasesLogged(runDir: string): string[] {
  return [...harnessLog(runDir).matchAll(/ phase (.+)$/gm)].map((m) => m[1]);
}

/** Every state file of the store's runs, parsed (files half-written at this instant are skipped). */
export function runStates(store: string): RunState[] {
  const dir = join(store, ".faultline", "runs");
  if (!existsSync(dir)) return [];
  const states: RunState[] = [];
  for (const file of readdirSync(dir)) {
    if (!file.endsWith(".json")) continue;
    try {
      states.push(JSON.parse(readFileSync(join(dir, file), "utf8")) as RunState);
    } catch {
      // Renamed into place between readdir and read, or removed; the next poll sees it.
    }
  }
  return states;
}

/** Processes of a run still alive: recorded pids and process groups, and anything carrying the
 *  run's FAULTLINE_RUN_ID (what the nodes spawned). */
export function survivorsOf(runIds: readonly string[], groups: readonly number[]): number[] {
  const markers = runIds.map((id) => `${RUN_ID_ENV}=${id}`);
  return listProcesses()
    .filter((p) => groups.includes(p.processGroup) || groups.includes(p.pid) || markers.some((m) => readEnvironment(p.pid)?.includes(m)))
    .map((p) => p.pid);
}

/** Last-resort cleanup for a failed test: SIGKILL the process groups a run recorded (only those
 *  this test's harness started). */
export function killGroups(groups: readonly number[]): void {
  for (const group of groups) {
    try {
      process.kill(-group, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** Lines of the run's history.jsonl so far. */
export function historyLines(runDir: string): number {
  const path = join(runDir, "history.jsonl");
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean).length : 0;
}
