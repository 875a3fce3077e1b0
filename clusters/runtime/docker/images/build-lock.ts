// One image build at a time per machine: several harnesses (CI shards, engineers' test runs) may
// ask for the same images at once, and two debootstraps into one folder corrupt each other.
// The lock is a file holding the owner's PID; a lock whose owner died is taken over.

import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from "node:fs";
import { dirname } from "node:path";

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function tryTake(path: string): { taken: true } | { taken: false; ownerPid: number | undefined } {
  try {
    const fd = openSync(path, "wx");
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return { taken: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  let ownerPid: number | undefined;
  try {
    ownerPid = Number.parseInt(readFileSync(path, "utf8"), 10);
  } catch {
    ownerPid = undefined;
  }
  return { taken: false, ownerPid: Number.isFinite(ownerPid) ? ownerPid : undefined };
}

/** Runs `fn` holding the lock at `path`; waits (reporting once) while a live process holds it. */
export async function withBuildLock<T>(path: string, onWait: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  let reported = false;
  let unreadableTries = 0;
  for (;;) {
    const attempt = tryTake(path);
    if (attempt.taken) break;
    if (attempt.ownerPid === undefined && unreadableTries < 5) {
      // The owner may not have written its PID yet: look again before calling the lock stale.
      unreadableTries++;
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    unreadableTries = 0;
    if (attempt.ownerPid === undefined || !processAlive(attempt.ownerPid)) {
      try {
        unlinkSync(path);
      } catch {
        // Someone else removed it first; the next attempt decides.
      }
      continue;
    }
    if (!reported) {
      onWait(`waiting for another image build (pid ${attempt.ownerPid}, lock ${path})`);
      reported = true;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(path);
    } catch {
      // Already gone: nothing to release.
    }
  }
}
