// SIGKILLs a child process that appends to a WAL and checks what recovery makes of the files.

import { spawn, type ChildProcess } from "node:child_process";
import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { Wal, type StorageMode } from "./wal.ts";

const writerScript = fileURLToPath(new URL("./wal-crash-writer.ts", import.meta.url));
const children: ChildProcess[] = [];
let directory: string;

beforeEach(async () => {
  directory = await fs.mkdtemp(join(tmpdir(), "faultline-wal-crash-"));
});
afterEach(async () => {
  await fs.rm(directory, { recursive: true, force: true });
});
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

/** Runs the writer until `killWhen` says so on an "acked"/"done" line, SIGKILLs it, and returns the
 *  highest entry it reported acknowledged. */
function runAndKill(storage: StorageMode, acknowledgeBeforeSync: boolean, killWhen: (acked: number, line: string) => boolean, stopAfter?: number, preallocateBytes?: number): Promise<number> {
  const args = ["--import", "tsx", writerScript, directory, storage, acknowledgeBeforeSync ? "yes" : "no", stopAfter === undefined ? "-" : String(stopAfter)];
  if (preallocateBytes !== undefined) args.push(String(preallocateBytes));
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let acked = 0;
    let pending = "";
    let killed = false;
    child.stdout!.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const match = /^acked (\d+)$/.exec(line);
        if (match) acked = Math.max(acked, Number(match[1]));
        if (!killed && killWhen(acked, line)) {
          killed = true;
          child.kill("SIGKILL");
        }
      }
    });
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve(acked);
      else reject(new Error(`writer exited with ${code ?? signal} before it was killed; stderr: ${stderr}`));
    });
  });
}

async function recoverEntries(): Promise<{ indexes: number[]; log: string[] }> {
  const log: string[] = [];
  const { wal, recovered } = await Wal.open({ directory, storage: "fsync", log: (line) => log.push(line) });
  await wal.close();
  for (const entry of recovered.entries) expect(entry.data.toString()).toBe(`value-${entry.index}`);
  return { indexes: recovered.entries.map((entry) => entry.index), log };
}

const isPrefix = (indexes: number[]) => indexes.every((index, position) => index === position + 1);

describe("WAL crash recovery", () => {
  for (const storage of ["fsync", "power-loss"] as const) {
    it(`${storage}: a SIGKILL mid-stream keeps every acknowledged entry and recovers a clean prefix`, async () => {
      const acked = await runAndKill(storage, false, (ackedSoFar) => ackedSoFar >= 300);
      const { indexes } = await recoverEntries();
      expect(isPrefix(indexes)).toBe(true);
      expect(indexes.length).toBeGreaterThanOrEqual(acked);
    });
  }

  for (const storage of ["fsync", "power-loss"] as const) {
    it(`${storage}, preallocated segments (as ZAB's): a SIGKILL mid-stream keeps every acknowledged entry; the zeros ahead read as the end`, async () => {
      const acked = await runAndKill(storage, false, (ackedSoFar) => ackedSoFar >= 300, undefined, 4096);
      const { indexes, log } = await recoverEntries();
      expect(isPrefix(indexes)).toBe(true);
      expect(indexes.length).toBeGreaterThanOrEqual(acked);
      expect(log.join("\n")).not.toMatch(/truncating|damaged/);
    });
  }

  it("power-loss + no-fsync: a SIGKILL loses entries that were already acknowledged", async () => {
    const acked = await runAndKill("power-loss", true, (_, line) => line === "done", 50);
    expect(acked).toBe(50);
    const { indexes } = await recoverEntries();
    expect(indexes.length).toBeLessThan(acked);
  });

  it("fsync + no-fsync: written records survive a process kill (only a power cut would lose them)", async () => {
    const acked = await runAndKill("fsync", true, (_, line) => line === "done", 50);
    const { indexes } = await recoverEntries();
    expect(indexes).toHaveLength(acked);
  });
});
