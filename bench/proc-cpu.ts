// CPU time a set of processes used, from Linux's /proc: on a shared machine, where wall-clock
// throughput depends on what else runs, CPU time per operation is the steadier measure of cost.

import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** User + system CPU milliseconds `pid` has used so far, or undefined when it is gone. */
export function cpuMillis(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name, which may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Starts measuring each group of processes; `stop()` returns the CPU ms each group used since,
 *  plus `self`: this process. */
export function measureCpu(groups: Record<string, readonly number[]>): { stop(): Record<string, number> } {
  const before = Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, pids.map((pid) => cpuMillis(pid) ?? 0)]));
  const selfBefore = process.cpuUsage();
  return {
    stop() {
      const used: Record<string, number> = {};
      for (const [name, pids] of Object.entries(groups)) {
        used[name] = pids.reduce((sum, pid, i) => sum + ((cpuMillis(pid) ?? before[name][i]) - before[name][i]), 0);
      }
      const self = process.cpuUsage(selfBefore);
      used.self = (self.user + self.system) / 1000;
      return used;
    },
  };
}
