// `faultline cleanup` for the local runtime: finds the state files of runs whose harness died
// without tearing down (run-state.ts says where they live), kills what those runs left running,
// and removes the files.
//
// A pid in a state file is only a number; by now it may belong to a stranger. A process is killed
// only if it is provably the run's own: it carries the run's FAULTLINE_RUN_ID in its environment
// (nodes and everything they spawned), or its pid and kernel start time match the record.

import { existsSync, readdirSync, rmSync } from "node:fs";
import { CLOCK_CONTROL_FILE } from "../../node-faults/clock.ts";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isAlive, listProcesses, readEnvironment, readProcess } from "./proc.ts";
import { RUN_DIR_STATE_FILE, RUN_ID_ENV, type RunState, readRunState, storeStateDir } from "./run-state.ts";

export interface CleanupResult {
  /** Pids of the processes killed. */
  killed: number[];
  /** State files removed. */
  files: string[];
  /** Clock offsets the run's nodes were left with (their control files), removed. */
  clockFiles: string[];
  /** State files left in place, and why (a live run, an unreadable file, a process that would not die). */
  skipped: { file: string; reason: string }[];
}

export interface CleanupOptions {
  /** How long to wait for killed processes to disappear. Default 5000 ms. */
  killWaitMs?: number;
}

export async function cleanupLeftovers(storeDir: string, options: CleanupOptions = {}): Promise<CleanupResult> {
  const result: CleanupResult = { killed: [], files: [], clockFiles: [], skipped: [] };
  const files = findStateFiles(storeDir);
  if (files.length === 0) return result;
  const processes = listProcesses();
  const environments = new Map<number, string[] | undefined>();
  const environmentOf = (pid: number) => {
    if (!environments.has(pid)) environments.set(pid, readEnvironment(pid));
    return environments.get(pid);
  };

  for (const file of files) {
    let state: RunState;
    try {
      state = readRunState(file);
    } catch (error) {
      result.skipped.push({ file, reason: (error as Error).message });
      continue;
    }
    if (harnessAlive(state)) {
      result.skipped.push({ file, reason: `run ${state.runId} is still in progress (harness pid ${state.harness.pid} is alive)` });
      continue;
    }
    const marker = `${RUN_ID_ENV}=${state.runId}`;
    const ours = processes.filter(
      (p) =>
        state.processes.some((recorded) => recorded.pid === p.pid && recorded.startTime !== "" && recorded.startTime === p.startTime) ||
        (environmentOf(p.pid)?.includes(marker) ?? false),
    );
    const recordedGroups = new Set(state.processes.map((p) => p.processGroup));
    // A group is killed whole (members that dropped the marker go with it) only once one of its
    // members has been proven ours — a group id alone can be recycled like any pid.
    for (const group of new Set(ours.map((p) => p.processGroup))) {
      if (recordedGroups.has(group)) signal(-group);
    }
    for (const p of ours) signal(p.pid);
    result.killed.push(...ours.map((p) => p.pid));

    const survivors = await waitGone(
      ours.map((p) => p.pid),
      options.killWaitMs ?? 5000,
    );
    if (survivors.length > 0) {
      result.skipped.push({ file, reason: `pids ${survivors.join(", ")} of run ${state.runId} survived SIGKILL; run cleanup again` });
      continue;
    }
    // A clock fault in progress leaves an offset beside each node's data; a later start from the
    // same directory (faultline up on the run, a test) must not inherit it.
    for (const node of directoryEntries(state.dir)) {
      const clockFile = join(state.dir, node.name, CLOCK_CONTROL_FILE);
      if (node.isDirectory() && existsSync(clockFile)) {
        rmSync(clockFile, { force: true });
        result.clockFiles.push(clockFile);
      }
    }
    rmSync(file, { force: true });
    result.files.push(file);
  }
  return result;
}

/** The node directories (RunState.dir) of runs whose harness is still alive: runs in progress,
 *  which `faultline prune` must not touch. */
export function liveRunNodeDirs(storeDir: string): string[] {
  const dirs: string[] = [];
  for (const file of findStateFiles(storeDir)) {
    try {
      const state = readRunState(file);
      if (harnessAlive(state)) dirs.push(state.dir);
    } catch {
      // An unreadable state file says nothing about a live run; cleanup reports it.
    }
  }
  return dirs;
}

/** `<store>/.faultline/runs/*.json` and `<store>/<test>/<run>/runtime-state.json`. */
function findStateFiles(storeDir: string): string[] {
  const found: string[] = [];
  const runsDir = join(storeStateDir(storeDir), "runs");
  for (const entry of directoryEntries(runsDir)) {
    if (entry.isFile() && entry.name.endsWith(".json")) found.push(join(runsDir, entry.name));
  }
  // Symlinks (store/latest) are skipped by isDirectory(), so no run is visited twice.
  for (const test of directoryEntries(storeDir)) {
    if (!test.isDirectory() || test.name.startsWith(".")) continue;
    for (const run of directoryEntries(join(storeDir, test.name))) {
      if (!run.isDirectory()) continue;
      const file = join(storeDir, test.name, run.name, RUN_DIR_STATE_FILE);
      if (existsSync(file)) found.push(file);
    }
  }
  return found;
}

function directoryEntries(dir: string) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function harnessAlive(state: RunState): boolean {
  const { pid, startTime } = state.harness;
  const info = readProcess(pid);
  if (!info || info.state === "Z") return false;
  return startTime === "" || info.startTime === startTime;
}

function signal(target: number): void {
  try {
    process.kill(target, "SIGKILL");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

async function waitGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(20);
    alive = alive.filter(isAlive);
  }
  return alive;
}
