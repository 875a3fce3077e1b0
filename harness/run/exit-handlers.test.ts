import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { onInterrupt, registerTeardown } from "./exit-handlers.ts";

const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const FIXTURE = fileURLToPath(new URL("./exit-handlers.fixture.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "faultline-exit-handlers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  code: number | null;
  stderr: string;
  /** Lines the teardowns wrote, in order. */
  marker: string[];
  elapsedMs: number;
}

/** Runs the fixture, sends `signals` once it is ready (spaced by `gapMs`), and reports how it ended. */
async function run(mode: string, signals: NodeJS.Signals[] = [], extra: string[] = [], gapMs = 300): Promise<Outcome> {
  const marker = join(dir, `${mode}-${signals.join("-")}-${Math.random().toString(36).slice(2)}.txt`);
  const child = spawn(process.execPath, ["--import", TSX_LOADER, FIXTURE, mode, marker, ...extra], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const watchdog = setTimeout(() => child.kill("SIGKILL"), 30_000);
  await new Promise<void>((resolve) => {
    const check = () => (stdout.includes("ready") ? resolve() : setTimeout(check, 20));
    check();
  });
  const start = Date.now();
  for (const [i, signal] of signals.entries()) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
    child.kill(signal);
  }
  const code = await exited;
  clearTimeout(watchdog);
  const lines = existsSync(marker) ? readFileSync(marker, "utf8").split("\n").filter(Boolean) : [];
  return { code, stderr, marker: lines, elapsedMs: Date.now() - start };
}

describe.concurrent("exit handlers", () => {
  it("on SIGINT tear down once and exit 130", async () => {
    const outcome = await run("wait", ["SIGINT"]);
    expect(outcome.code).toBe(130);
    expect(outcome.marker).toEqual(["teardown"]);
    expect(outcome.stderr).toContain("interrupted (SIGINT); tearing down");
  });

  it("on SIGTERM tear down once and exit 143", async () => {
    const outcome = await run("wait", ["SIGTERM"]);
    expect(outcome.code).toBe(143);
    expect(outcome.marker).toEqual(["teardown"]);
  });

  it("on an uncaught exception tear down, report it, and exit 255", async () => {
    const outcome = await run("throw");
    expect(outcome.code).toBe(255);
    expect(outcome.marker).toEqual(["teardown"]);
    expect(outcome.stderr).toContain("uncaught exception: Error: boom from the fixture");
  });

  it("on an unhandled rejection tear down, report it, and exit 255", async () => {
    const outcome = await run("reject");
    expect(outcome.code).toBe(255);
    expect(outcome.marker).toEqual(["teardown"]);
    expect(outcome.stderr).toContain("unhandled promise rejection: Error: rejected in the fixture");
  });

  it("give up on a teardown that hangs after the time bound", async () => {
    const outcome = await run("hang", ["SIGINT"], ["500"]);
    expect(outcome.code).toBe(130);
    expect(outcome.stderr).toContain("teardown did not finish within 500 ms");
    expect(outcome.elapsedMs).toBeLessThan(20_000);
  });

  it("exit at once on a second signal during teardown", async () => {
    const outcome = await run("slow", ["SIGINT", "SIGINT"]);
    expect(outcome.code).toBe(130);
    expect(outcome.marker).toEqual([]);
    expect(outcome.stderr).toContain("again; exiting without waiting for teardown");
  });

  it("with an interrupt handler, let the first SIGINT stop in order: no teardown from here, the program's own exit", async () => {
    const outcome = await run("orderly", ["SIGINT"]);
    expect(outcome.code).toBe(130);
    expect(outcome.marker).toEqual(["stop SIGINT", "orderly"]);
    expect(outcome.stderr).toContain("interrupted (SIGINT); stopping in order");
  });

  it("with an interrupt handler, SIGTERM stops in order too", async () => {
    const outcome = await run("orderly", ["SIGTERM"]);
    expect(outcome.code).toBe(143);
    expect(outcome.marker).toEqual(["stop SIGTERM", "orderly"]);
  });

  it("a second signal during an orderly stop tears down at once and exits with the first signal's code", async () => {
    const outcome = await run("orderly-slow", ["SIGTERM", "SIGINT"]);
    expect(outcome.code).toBe(143);
    expect(outcome.marker).toEqual(["stop SIGTERM", "teardown"]);
    expect(outcome.stderr).toContain("interrupted (SIGINT) again; tearing down");
    expect(outcome.elapsedMs).toBeLessThan(4000);
  });

  it("an orderly stop that outlives its grace period is torn down", async () => {
    const outcome = await run("orderly-hang", ["SIGINT"], ["500"]);
    expect(outcome.code).toBe(130);
    expect(outcome.marker).toEqual(["stop SIGINT", "teardown"]);
    expect(outcome.stderr).toContain("still stopping 0.5 s after SIGINT; tearing down");
  });

  it("run registered teardowns newest first and skip unregistered ones", async () => {
    const outcome = await run("order", ["SIGTERM"]);
    expect(outcome.code).toBe(143);
    expect(outcome.marker).toEqual(["third", "first"]);
  });
});

describe("registerTeardown", () => {
  it("listens to the process only while a teardown is registered", () => {
    const before = ["SIGINT", "SIGTERM", "uncaughtException", "unhandledRejection"].map((event) => process.listenerCount(event));
    const first = registerTeardown(() => {});
    const second = registerTeardown(() => {});
    expect(process.listenerCount("SIGINT")).toBe(before[0] + 1);
    first();
    first(); // a second call does nothing
    expect(process.listenerCount("SIGINT")).toBe(before[0] + 1);
    second();
    expect(["SIGINT", "SIGTERM", "uncaughtException", "unhandledRejection"].map((event) => process.listenerCount(event))).toEqual(before);
  });

  it("listens while an interrupt handler alone is registered", () => {
    const before = process.listenerCount("SIGTERM");
    const off = onInterrupt(() => {});
    expect(process.listenerCount("SIGTERM")).toBe(before + 1);
    off();
    expect(process.listenerCount("SIGTERM")).toBe(before);
  });
});
