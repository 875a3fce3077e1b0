// What a system declares about itself, through the real CLI: its --opt options (a typo or a bad
// value is one line listing the valid ones, exit 254, before anything starts; `faultline list`
// shows them with their defaults), the programs its nodes need (missing ones are named with their
// package before any node starts), and a node that dies while the cluster starts (one line naming it
// and quoting the end of its stderr, where the cause is; exit 254).

import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, faultline, type CliResult } from "../support/cli.ts";

const scratch = mkdtempSync(join(tmpdir(), "faultline-system-options-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh store per test, so each run's directory can be inspected alone. */
const newStore = (): string => mkdtempSync(join(scratch, "store-"));

function faultlineWithPath(args: string[], path: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO_ROOT, "bin/faultline.js"), ...args], { cwd: REPO_ROOT, env: { ...process.env, PATH: path }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code: unknown = err ? (err as { code?: unknown }).code : 0;
      resolve({ code: typeof code === "number" ? code : 255, stdout, stderr });
    });
  });
}

/** stderr without the run-directory notice every run starts with, nor the progress lines a run
 *  writes every 5 s off a terminal. */
function errorLines(stderr: string): string[] {
  return stderr.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("faultline: run directory ") && !line.startsWith("faultline: progress: "));
}

/** The run directories a store holds (store/<test>/<timestamp>). */
function runDirs(store: string): string[] {
  return readdirSync(store, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith("."))
    .flatMap((test) => readdirSync(join(store, test.name)).filter((name) => name !== "latest").map((run) => join(store, test.name, run)));
}

describe("--opt", () => {
  it("an unknown name (a typo) is one line listing the system's and the workload's options, exit 254", async () => {
    const result = await faultline(["run", "--system", "raft", "--opt", "storag=power-loss", "--store", newStore()], { timeoutMs: 30_000 });
    expect(result.code).toBe(254);
    expect(errorLines(result.stderr)).toEqual([
      expect.stringMatching(/^faultline: unknown option "storag" for system raft with workload register; valid options are raft's: storage, tickMs, .*; workload register reads: .*readFraction/),
    ]);
    expect(result.stdout).toBe("");
  });

  it("a bad value is one line naming the option and its valid values, exit 254", async () => {
    const result = await faultline(["run", "--system", "etcd", "--opt", "reads=stale", "--store", newStore()], { timeoutMs: 30_000 });
    expect(result.code).toBe(254);
    expect(errorLines(result.stderr)).toEqual(['faultline: etcd: option reads must be one of linearizable, serializable, got "stale"; pass e.g. --opt reads=linearizable']);
  });

  it("faultline list shows each system's options with their defaults", async () => {
    const text = await faultline(["list"], { timeoutMs: 30_000 });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("--opt storage=fsync (fsync|power-loss): ");
    expect(text.stdout).toContain("--opt min-replicas-to-write=0 (integer ≥ 0): ");
    expect(text.stdout).toContain("--opt isolation=serializable (read-committed|repeatable-read|serializable): ");
    const json = await faultline(["list", "--json"], { timeoutMs: 30_000 });
    const systems = (JSON.parse(json.stdout) as { systems: { name: string; options: { name: string; default: unknown; help: string }[] }[] }).systems;
    expect(systems.find((system) => system.name === "zookeeper")?.options).toEqual([{ name: "sync", type: "boolean", default: false, help: expect.stringContaining("sync(path)") }]);
  });
});

describe("preflight", () => {
  it("a program the nodes need and this machine lacks is one line naming its package, before any node starts", async () => {
    const store = newStore();
    const emptyPath = mkdtempSync(join(scratch, "empty-path-"));
    const result = await faultlineWithPath(["run", "--system", "redis-sentinel", "--time", "2", "--store", store], emptyPath);
    expect(result.code).toBe(254);
    expect(errorLines(result.stderr)).toEqual([
      "faultline: redis-sentinel cannot start on this machine: missing redis-server (not on PATH), redis-sentinel (not on PATH), setpriv (not on PATH); " +
        "install Debian's redis-server and redis-sentinel and util-linux (apt-get install redis-server redis-sentinel util-linux)",
    ]);
    // No runtime was created: no node's folder, let alone its process.
    for (const dir of runDirs(store)) expect(existsSync(join(dir, "nodes")) ? readdirSync(join(dir, "nodes")) : [], dir).toEqual([]);
  });

  it("a node that dies while the cluster starts: one line naming it, then the end of its stderr; exit 254, no stack trace", async () => {
    const fakes = mkdtempSync(join(scratch, "fake-etcd-"));
    writeFileSync(join(fakes, "etcd"), '#!/bin/sh\necho "etcd: starting (stdout)"\necho "etcdmain: cannot access data dir: permission denied" >&2\nexit 1\n');
    chmodSync(join(fakes, "etcd"), 0o755);
    const store = newStore();
    const result = await faultlineWithPath(["run", "--system", "etcd", "--time", "2", "--store", store], `${fakes}:${process.env.PATH}`);
    // Not a harness crash (255): the cause is on this machine, and the user is told it.
    expect(result.code).toBe(254);
    const lines = errorLines(result.stderr);
    expect(lines[0]).toMatch(/^faultline: etcd: the server on n1, n2, n3 exited while starting \(.*\); n1's stderr ends with:$/);
    expect(lines[1]).toBe("etcdmain: cannot access data dir: permission denied");
    expect(result.stderr).not.toContain("starting (stdout)");
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr).not.toContain("crashed");
    // Setup gave up because the servers exited, not because the wait for a ready cluster ran out
    // (that error says "within <ms> ms"), and the run never got past setup.
    expect(result.stderr).not.toMatch(/within \d+ ms/);
    const [dir] = runDirs(store);
    const log = readFileSync(join(dir, "harness.log"), "utf8");
    expect(log).toContain("phase setup");
    expect(log).toMatch(/stopped in setup: etcd: the server on n1, n2, n3 exited while starting/);
    expect(log).not.toContain("phase main");
    expect(log).toContain("torn down");
  });
});
