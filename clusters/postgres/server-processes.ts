// Every process of one PostgreSQL server, found by its working directory. The postmaster changes
// into its data directory at start and every backend and helper it forks inherits that; and each
// of them calls setsid(), so none shares the postmaster's process group. A run's data directory
// is its own, so "cwd is this data directory" names exactly this server's processes — also after
// the postmaster died and left them orphaned.

import { existsSync, readdirSync, readlinkSync, realpathSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** Pids of live processes whose working directory is `dataDir` (none if it does not exist).
 *  Needs Linux's /proc. */
export function serverProcesses(dataDir: string): number[] {
  if (!existsSync(dataDir)) return [];
  const target = realpathSync(dataDir);
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${entry}/cwd`);
    } catch {
      // Gone meanwhile, a kernel thread, or another user's process we may not inspect.
      continue;
    }
    if (cwd === target) pids.push(Number(entry));
  }
  return pids;
}

/** Sends `signal` to each pid; a process that is already gone is no error. */
export function signalEach(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
  }
}

/** SIGKILLs whatever still runs in `dataDir` and waits until it is gone. A SIGKILLed process is
 *  reaped by its parent (or init) in microseconds, so the wait is short unless one hangs in the
 *  kernel; then this throws after `timeoutMs`. */
export async function killServerProcesses(dataDir: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = serverProcesses(dataDir);
    if (left.length === 0) return;
    // A stopped process dies of SIGKILL too; SIGCONT first only makes its exit prompt.
    signalEach(left, "SIGKILL");
    signalEach(left, "SIGCONT");
    if (Date.now() > deadline) {
      throw new Error(`postgres: processes ${left.join(", ")} still run in ${dataDir} ${timeoutMs} ms after SIGKILL; they may be stuck in the kernel (check 'ps -o pid,stat,wchan -p ${left.join(",")}')`);
    }
    await sleep(10);
  }
}
