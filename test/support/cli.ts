// Runs the real `faultline` entry point in a child process, as a user would.

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const FIXTURES = resolve(REPO_ROOT, "../shared/fixtures");
const ENTRY = join(REPO_ROOT, "bin/faultline.js");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function faultline(args: string[], opts: { timeoutMs?: number; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [ENTRY, ...args], { cwd: opts.cwd ?? REPO_ROOT, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code: unknown = err ? (err as { code?: unknown }).code : 0;
      resolvePromise({ code: typeof code === "number" ? code : 255, stdout, stderr });
    });
  });
}

/** Starts faultline without waiting, for tests that signal it mid-run. */
export function spawnFaultline(args: string[], opts: { cwd?: string } = {}): ChildProcess {
  return spawn(process.execPath, [ENTRY, ...args], { cwd: opts.cwd ?? REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
}
