// Labels that tie containers and networks to the run and the harness process that made them, so
// `faultline cleanup` can remove what a killed harness left without touching runs still going
// (several harnesses, test suites and engineers share one engine).

import { readFileSync } from "node:fs";

export const RUN_LABEL = "faultline.run";
export const NODE_LABEL = "faultline.node";
export const OWNER_LABEL = "faultline.owner";

/** A process's identity that survives PID reuse: boot id, PID and start time in clock ticks. */
export interface Owner {
  bootId: string;
  pid: number;
  startTicks: string;
}

function bootId(): string {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return "unknown";
  }
}

/** Field 22 of /proc/PID/stat (starttime); the command name before it may contain spaces. */
export function startTicksFromStat(stat: string): string | undefined {
  const afterName = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // afterName[0] is field 3 (state), so field 22 is at index 19.
  return afterName[19];
}

function startTicks(pid: number): string | undefined {
  try {
    return startTicksFromStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}

export function formatOwner(owner: Owner): string {
  return `${owner.bootId}/${owner.pid}/${owner.startTicks}`;
}

export function parseOwner(label: string | undefined): Owner | undefined {
  const parts = label?.split("/");
  if (!parts || parts.length !== 3) return undefined;
  const pid = Number.parseInt(parts[1], 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { bootId: parts[0], pid, startTicks: parts[2] };
}

/** This process, as an owner label value. */
export function currentOwner(): string {
  return formatOwner({ bootId: bootId(), pid: process.pid, startTicks: startTicks(process.pid) ?? "unknown" });
}

/** Whether the process that wrote the label still runs on this machine. An unreadable or foreign
 *  label (another boot, another machine) counts as dead: its resources are leftovers. */
export function ownerAlive(label: string | undefined): boolean {
  const owner = parseOwner(label);
  if (!owner || owner.bootId === "unknown" || owner.bootId !== bootId()) return false;
  const ticks = startTicks(owner.pid);
  return ticks !== undefined && ticks === owner.startTicks;
}
