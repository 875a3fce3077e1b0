// What Linux's /proc says about a process: enough to tell whether a pid recorded by an earlier
// run still names the process that run started, and not a stranger that inherited the number.

import { readFileSync, readdirSync } from "node:fs";

export interface ProcessInfo {
  pid: number;
  /** R, S, D, T (stopped), Z (zombie), … */
  state: string;
  parentPid: number;
  processGroup: number;
  /** Clock ticks after boot at which the process started; with the pid, a unique identity. */
  startTime: string;
}

/** The process `pid`, or undefined if there is none (or /proc is not available). */
export function readProcess(pid: number): ProcessInfo | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name sits in parentheses and may itself contain spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return {
    pid,
    state: fields[0],
    parentPid: Number(fields[1]),
    processGroup: Number(fields[2]),
    startTime: fields[19],
  };
}

/** Running, sleeping or stopped — anything but gone or a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  const info = readProcess(pid);
  return info !== undefined && info.state !== "Z" && info.state !== "X";
}

/** Every live process but the caller itself. */
export function listProcesses(): ProcessInfo[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    throw new Error("telling a run's processes from strangers needs Linux's /proc, which is not available here");
  }
  const live: ProcessInfo[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const info = readProcess(Number(entry));
    if (info && info.state !== "Z" && info.state !== "X") live.push(info);
  }
  return live;
}

/** Every live process whose process group is `processGroup`. */
export function processGroupMembers(processGroup: number): ProcessInfo[] {
  return listProcesses().filter((p) => p.processGroup === processGroup);
}

/** `NAME=value` entries of a process's environment, or undefined when it cannot be read
 *  (gone, or another user's). */
export function readEnvironment(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean);
  } catch {
    return undefined;
  }
}
