// The local runtime's crash record: which processes a run has started, written to disk the moment
// each exists, so that `faultline cleanup` can remove them if the harness dies without tearing
// down (DESIGN §4.4). The file is deleted by a clean teardown; a file that outlives its harness
// is a leftover.
//
// Where the files live (one per run, `<runId>.json`, runId a random UUID):
//   <store>/.faultline/runs/<runId>.json    the convention; the runner passes stateDir = <store>/.faultline
//   <runDir>/runtime-state.json             when a runtime is created with neither stateDir nor
//                                           stateFile (dir = <runDir>/nodes); cleanup looks for it
//                                           in <store>/<test>/<run>/ (DESIGN §6)
//
// Every process the runtime spawns also carries FAULTLINE_RUN_ID=<runId> in its environment, and
// so do its children; that marker, or a matching pid + start time, is what proves a process is
// still the run's own before cleanup kills it.

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { readProcess } from "./proc.ts";

export const RUN_STATE_VERSION = 1;
/** Environment variable naming the run that spawned a process. */
export const RUN_ID_ENV = "FAULTLINE_RUN_ID";
/** File name used when the state file sits in the run directory. */
export const RUN_DIR_STATE_FILE = "runtime-state.json";

export interface RecordedProcess {
  node: string;
  pid: number;
  /** The group the runtime signals; equal to pid, as every node runs as its own group leader. */
  processGroup: number;
  /** From /proc/<pid>/stat; empty where /proc is unavailable. */
  startTime: string;
  command: string;
}

export interface RunState {
  version: typeof RUN_STATE_VERSION;
  runId: string;
  /** The harness process that owns the run; while it lives, the run is not a leftover. */
  harness: { pid: number; startTime: string };
  /** The runtime's node directory. */
  dir: string;
  createdAt: string;
  processes: RecordedProcess[];
}

/** `<stateDir>/runs/<runId>.json`; stateDir is `<store>/.faultline` by convention. */
export function runStateFile(stateDir: string, runId: string): string {
  return join(stateDir, "runs", `${runId}.json`);
}

/** The state directory of a store. */
export function storeStateDir(storeDir: string): string {
  return join(storeDir, ".faultline");
}

/** Keeps one run's state file in step with the processes it has running. */
export class RunStateFile {
  private readonly state: RunState;
  private deleted = false;

  constructor(
    readonly path: string,
    runId: string,
    dir: string,
  ) {
    this.state = {
      version: RUN_STATE_VERSION,
      runId,
      harness: { pid: process.pid, startTime: readProcess(process.pid)?.startTime ?? "" },
      dir,
      createdAt: new Date().toISOString(),
      processes: [],
    };
    mkdirSync(dirname(path), { recursive: true });
    this.write();
  }

  /** Processes recorded and not yet known to have exited. */
  get recordedCount(): number {
    return this.state.processes.length;
  }

  /** Synchronous, so the record is on disk before the caller can be interrupted. */
  add(recorded: RecordedProcess): void {
    this.state.processes.push(recorded);
    this.write();
  }

  remove(pid: number): void {
    const before = this.state.processes.length;
    this.state.processes = this.state.processes.filter((p) => p.pid !== pid);
    if (this.state.processes.length !== before) this.write();
  }

  /** Removes the file; later calls do nothing, and add/remove stop writing. */
  delete(): void {
    this.deleted = true;
    rmSync(this.path, { force: true });
  }

  private write(): void {
    if (this.deleted) return;
    // Write-then-rename: a harness killed mid-write leaves the old file, never half of a new one.
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.state, null, 2) + "\n");
    renameSync(temporary, this.path);
  }
}

/** Parses a state file; throws naming the file and what is wrong with it. */
export function readRunState(path: string): RunState {
  let state: Partial<RunState>;
  try {
    state = JSON.parse(readFileSync(path, "utf8")) as Partial<RunState>;
  } catch (error) {
    throw new Error(`${path} cannot be read as a runtime state file (${(error as Error).message}); inspect it and delete it by hand`);
  }
  if (state.version !== RUN_STATE_VERSION || typeof state.runId !== "string" || !Array.isArray(state.processes) || !state.harness) {
    throw new Error(`${path} is not a Faultline runtime state file of version ${RUN_STATE_VERSION}; inspect it and delete it by hand`);
  }
  return state as RunState;
}
