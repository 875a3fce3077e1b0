// Asking for what cannot be done is a bad-arguments exit (254) with one line saying why, never a
// crash: an unknown system, and a Docker engine that does not answer.

import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, faultline } from "../support/cli.ts";

/** The lines of a CLI's stderr that are not the run-directory notice every run starts with. */
function errorLines(stderr: string): string[] {
  return stderr.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("faultline: run directory "));
}

function faultlineWithEnv(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO_ROOT, "bin/faultline.js"), ...args], { cwd: REPO_ROOT, env, timeout: 120_000 }, (err, stdout, stderr) => {
      const code: unknown = err ? (err as { code?: unknown }).code : 0;
      resolve({ code: typeof code === "number" ? code : 255, stdout, stderr });
    });
  });
}

describe("bad input to faultline run", () => {
  it("an unknown system: one line naming the valid ones, exit 254", async () => {
    const result = await faultline(["run", "--system", "no-such-system", "--runtime", "docker", "--store", mkdtempSync(join(tmpdir(), "faultline-bad-"))]);
    expect(result.code).toBe(254);
    expect(errorLines(result.stderr)).toEqual([expect.stringMatching(/^faultline: unknown system "no-such-system"; valid: .*etcd.*redis-sentinel.*zookeeper/)]);
    expect(result.stdout).toBe("");
  });

  it("a Docker engine that does not answer (DOCKER_HOST names a missing socket): one line, exit 254", async () => {
    const store = mkdtempSync(join(tmpdir(), "faultline-bad-"));
    const result = await faultlineWithEnv(["run", "--runtime", "docker", "--system", "etcd", "--store", store], { ...process.env, DOCKER_HOST: "unix:///nonexistent.sock" });
    expect(result.code, result.stderr).toBe(254);
    expect(errorLines(result.stderr)).toEqual([expect.stringMatching(/^faultline: --runtime docker: Docker engine not reachable at unix:\/\/\/nonexistent\.sock \(.*ENOENT.*\); /)]);
    expect(result.stdout).toBe("");
  });
});
