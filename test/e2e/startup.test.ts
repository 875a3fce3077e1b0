// Start-up: the CLI runs the compiled JavaScript in dist/ when it is the build of the sources as
// they are (bin/dist.js), and the TypeScript sources through tsx otherwise — a stale dist/ never
// runs, and `faultline --version` says which code runs and why. Our own Raft nodes run the same
// compiled code as the harness that starts them.
//
// On a copy of the repository (node_modules linked), built with `npm run build`'s script: the
// tests edit, add and delete sources, which they may not do in the working tree.

import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile, spawn } from "node:child_process";
import { REPO_ROOT } from "../support/cli.ts";
import { runStates, waitFor, watchHarness } from "./run-probes.ts";

const copy = mkdtempSync(join(tmpdir(), "faultline-startup-"));
const BIN = join(copy, "bin", "faultline.js");

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: copy, env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code: unknown = error ? (error as { code?: unknown }).code : 0;
      resolve({ code: typeof code === "number" ? code : 255, stdout, stderr });
    });
  });
}

async function codeThatRuns(): Promise<string> {
  const version = await cli(["--version"]);
  expect(version.code, version.stderr).toBe(0);
  return version.stdout.trim();
}

/** A results object without its timings (checkMs, …), which differ from call to call. */
function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !/Ms$/.test(key)).map(([key, field]) => [key, withoutTimings(field)]));
}

beforeAll(() => {
  for (const entry of ["bin", "harness", "checkers", "clusters", "workloads", "nemeses", "reports", "scripts", "package.json", "tsconfig.json", "tsconfig.build.json"]) {
    cpSync(join(REPO_ROOT, entry), join(copy, entry), { recursive: true, filter: (source) => !source.startsWith(join(REPO_ROOT, "dist")) });
  }
  symlinkSync(join(REPO_ROOT, "node_modules"), join(copy, "node_modules"));
  return new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [join(copy, "bin", "build.js")], { cwd: copy, timeout: 600_000 }, (error, stdout, stderr) => (error ? reject(new Error(`npm run build failed: ${stderr}${stdout}`)) : resolve()));
  });
}, 660_000);
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe("which code the CLI runs", () => {
  it("the compiled dist/ when it is the build of the sources as they are", async () => {
    expect(await codeThatRuns()).toMatch(/^faultline \d+\.\d+\.\d+ — compiled JavaScript \(dist\/\); Node\.js v\d+/);
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: faultline [options] [command]");
  });

  it("never a stale dist/: an edited, a new or a deleted source sends it to the sources, and says why", async () => {
    const source = join(copy, "harness", "op.ts");
    const { atime, mtime } = statSync(source);
    utimesSync(source, atime, new Date(mtime.getTime() + 5000));
    expect(await codeThatRuns()).toMatch(/TypeScript sources through tsx \(harness\/op\.ts changed since the build; run npm run build\)/);
    // Put back as it was built (same time, same size): current again.
    utimesSync(source, atime, mtime);
    expect(await codeThatRuns()).toContain("compiled JavaScript (dist/)");

    const added = join(copy, "checkers", "brand-new.ts");
    writeFileSync(added, "export const x = 1;\n");
    expect(await codeThatRuns()).toContain("checkers/brand-new.ts is new since the build");
    rmSync(added);
    expect(await codeThatRuns()).toContain("compiled JavaScript (dist/)");

    const deleted = join(copy, "harness", "grudge.ts");
    renameSync(deleted, `${deleted}.away`);
    expect(await codeThatRuns()).toContain("harness/grudge.ts is gone since the build");
    renameSync(`${deleted}.away`, deleted);

    // A file changed with its old time put back (cp -p, tar) still differs in size: stale.
    const edited = join(copy, "harness", "rng.ts");
    const before = statSync(edited);
    writeFileSync(edited, readFileSync(edited, "utf8") + "\n// edited\n");
    utimesSync(edited, before.atime, before.mtime);
    expect(await codeThatRuns()).toContain("harness/rng.ts changed since the build");
  });

  it("FAULTLINE_CODE=dist refuses a stale dist/ in one line; FAULTLINE_CODE=sources runs the sources", async () => {
    const refused = await cli(["--version"], { FAULTLINE_CODE: "dist" });
    expect(refused.code).toBe(254);
    expect(refused.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^faultline: FAULTLINE_CODE=dist, but dist\/ cannot run: harness\/rng\.ts changed since the build/)]);
    expect((await cli(["--version"], { FAULTLINE_CODE: "sources" })).stdout).toContain("TypeScript sources through tsx (FAULTLINE_CODE=sources)");
  });
});

describe("compiled and source code agree", () => {
  beforeAll(() => {
    return new Promise<void>((resolve, reject) => {
      execFile(process.execPath, [join(copy, "bin", "build.js")], { cwd: copy, timeout: 600_000 }, (error, _stdout, stderr) => (error ? reject(new Error(stderr)) : resolve()));
    });
  }, 660_000);

  it("faultline check answers the same from dist/ and from the sources", async () => {
    expect(await codeThatRuns()).toContain("compiled JavaScript (dist/)");
    for (const [file, ...args] of [
      ["etcd-cas-register-bad.log", "--workload", "register", "--model", "cas-register"],
      ["elle-g-single.edn", "--workload", "list-append"],
    ]) {
      const history = join(copy, "checkers", "examples", file);
      const compiled = await cli(["check", history, ...args, "--json"]);
      const sources = await cli(["check", history, ...args, "--json"], { FAULTLINE_CODE: "sources" });
      expect(compiled.code, compiled.stderr).toBe(1);
      expect(sources.code, sources.stderr).toBe(1);
      expect(withoutTimings(JSON.parse(compiled.stdout))).toEqual(withoutTimings(JSON.parse(sources.stdout)));
    }
  });

  it("our Raft nodes run the compiled code too, at start and at every restart", { timeout: 300_000 }, async () => {
    const store = join(copy, "store");
    const harness = watchHarness(
      spawn(process.execPath, [BIN, "run", "--system", "raft", "--nodes", "3", "--nemesis", "kill", "--nemesis-interval", "1", "--time", "4", "--recovery", "1", "--store", store], { cwd: copy, stdio: ["ignore", "pipe", "pipe"] }),
    );
    /** Node processes by pid: a restarted node is a new pid with the same command line. */
    const started = new Map<number, string>();
    const poll = setInterval(() => {
      for (const state of runStates(store)) for (const p of state.processes) started.set(p.pid, p.command);
    }, 10);
    try {
      const ended = await harness.exited;
      expect(ended.code, harness.stderr()).toBe(0);
      await waitFor("the node commands", () => (started.size > 0 ? true : undefined), 1000);
    } finally {
      clearInterval(poll);
      if (harness.child.exitCode === null) harness.child.kill("SIGKILL");
    }
    const log = readFileSync(join(store, "latest", "harness.log"), "utf8");
    expect(log, "the nemesis killed and restarted nodes").toContain("nemesis start ok");
    // Three starts, and restarts after kills.
    expect(started.size, [...started.values()].join("\n")).toBeGreaterThan(3);
    for (const command of started.values()) {
      expect(command).toContain(join(copy, "dist", "clusters", "raft", "main.js"));
      expect(command).not.toContain("--import");
    }
  });
});
