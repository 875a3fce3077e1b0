import { spawn } from "node:child_process";
import { close, existsSync, fsync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Op } from "../op.ts";
import { HistoryWriter } from "./writer.ts";

// fsync and close pass through to the real ones; the spies only say when they were called.
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  return { ...real, default: real, fsync: vi.fn(real.fsync), close: vi.fn(real.close) };
});

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "faultline-writer-"));
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

const op = (index: number, extra: Partial<Op> = {}): Op => ({ index, time: index * 1000, process: index % 3, type: "invoke", f: "write", value: index, ...extra });
const linesOf = (path: string) => readFileSync(path, "utf8").split("\n").filter((line) => line !== "");

async function eventually(condition: () => boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("HistoryWriter", () => {
  it("buffers appends and writes them within the flush interval, readable while the file is open", async () => {
    const path = join(dir, "history.jsonl");
    const writer = new HistoryWriter(path);
    const ops = [op(0), op(1, { type: "ok", node: "n1" }), op(2, { type: "info", error: "timeout", key: "k1" })];
    for (const o of ops) writer.append(o);
    expect(statSync(path).size).toBe(0);
    await eventually(() => linesOf(path).length === 3, 5_000);
    expect(linesOf(path).map((line) => JSON.parse(line))).toEqual(ops);
    await writer.close();
  });

  it("flushes every flushIntervalMs, not before", async () => {
    vi.useFakeTimers();
    const path = join(dir, "history.jsonl");
    const writer = new HistoryWriter(path, { flushIntervalMs: 200 });
    writer.append(op(0));
    vi.advanceTimersByTime(199);
    expect(linesOf(path)).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(linesOf(path)).toHaveLength(1);
    writer.append(op(1));
    vi.advanceTimersByTime(200);
    expect(linesOf(path)).toHaveLength(2);
    vi.useRealTimers();
    await writer.close();
  });

  it("writes at once when the buffer passes its size bound", async () => {
    const path = join(dir, "history.jsonl");
    const writer = new HistoryWriter(path, { maxBufferedChars: 500, flushIntervalMs: 60_000 });
    for (let i = 0; i < 20; i++) writer.append(op(i));
    expect(linesOf(path).length).toBeGreaterThanOrEqual(10);
    await writer.close();
    expect(linesOf(path)).toHaveLength(20);
  });

  it("close() writes the rest, fsyncs before closing, and may be called twice", async () => {
    const path = join(dir, "history.jsonl");
    const writer = new HistoryWriter(path, { flushIntervalMs: 60_000 });
    writer.append(op(0));
    writer.append(op(1));
    vi.mocked(fsync).mockClear();
    vi.mocked(close).mockClear();
    await Promise.all([writer.close(), writer.close()]);
    expect(linesOf(path)).toHaveLength(2);
    expect(vi.mocked(fsync)).toHaveBeenCalledTimes(1);
    expect(vi.mocked(close)).toHaveBeenCalledTimes(1);
    const fd = vi.mocked(fsync).mock.calls[0][0];
    expect(vi.mocked(close).mock.calls[0][0]).toBe(fd);
    expect(vi.mocked(fsync).mock.invocationCallOrder[0]).toBeLessThan(vi.mocked(close).mock.invocationCallOrder[0]);
    expect(() => writer.append(op(2))).toThrow(/after close\(\)/);
  });

  it("keeps the ops in memory when asked, and says how to get them when not", async () => {
    const kept = new HistoryWriter(join(dir, "a.jsonl"), { keepInMemory: true });
    const ops = [op(0), op(1)];
    for (const o of ops) kept.append(o);
    expect(kept.ops()).toEqual(ops);
    expect(kept.count).toBe(2);
    await kept.close();
    const notKept = new HistoryWriter(join(dir, "b.jsonl"));
    notKept.append(op(0));
    expect(notKept.count).toBe(1);
    expect(() => notKept.ops()).toThrow(/keepInMemory: true/);
    await notKept.close();
  });

  it("never overwrites an existing history", () => {
    const path = join(dir, "history.jsonl");
    writeFileSync(path, "precious\n");
    expect(() => new HistoryWriter(path)).toThrow(/cannot create .*history\.jsonl.*use a new run directory/);
    expect(readFileSync(path, "utf8")).toBe("precious\n");
  });

  it("refuses an op that is not JSON data, naming it", async () => {
    const writer = new HistoryWriter(join(dir, "history.jsonl"));
    expect(() => writer.append(op(4, { value: 10n }))).toThrow(/op 4 \(process 1, write\) cannot be written as JSON/);
    await writer.close();
  });

  it("leaves a readable file when the process is SIGKILLed mid-write: whole lines, at worst a cut last one", async () => {
    const path = join(dir, "history.jsonl");
    const script = join(dir, "crash-writer.mts");
    // Appends continuously, flushing often; after each explicit flush it says how many ops are on disk.
    writeFileSync(
      script,
      `import { HistoryWriter } from ${JSON.stringify(join(REPO, "harness/history/writer.ts"))};
const writer = new HistoryWriter(process.argv[2], { flushIntervalMs: 5, maxBufferedChars: 64 * 1024 });
let index = 0;
const padding = "x".repeat(300);
process.stdout.write("pid " + process.pid + "\\n");
function burst() {
  for (let i = 0; i < 300; i++) { writer.append({ index, time: index, process: index % 5, type: "invoke", f: "write", value: padding + index }); index++; }
  if (index % 3000 === 0) { writer.flush(); process.stdout.write("flushed " + index + "\\n"); }
  setImmediate(burst);
}
burst();
`,
    );
    const child = spawn("npx", ["tsx", script, path], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    let writerPid: number | undefined;
    let killed = false;
    // A "flushed N" line is printed only after N ops were handed to the kernel, so however late it
    // arrives, the file must hold them.
    let flushed = 0;
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      for (const line of chunk.split("\n")) {
        if (line.startsWith("pid ")) writerPid = Number(line.slice(4));
        if (line.startsWith("flushed ")) flushed = Number(line.slice(8));
      }
    });
    const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
    try {
      await eventually(() => flushed > 0 || child.exitCode !== null, 45_000).catch((err) => {
        throw new Error(`${err.message}; child stderr: ${stderr}`);
      });
      expect(child.exitCode).toBeNull();
      await eventually(() => existsSync(path) && statSync(path).size > 4 * 1024 * 1024, 20_000);
      process.kill(writerPid!, "SIGKILL");
      killed = true;
      await exited;
      const acknowledged = flushed;

      const text = readFileSync(path, "utf8");
      const lines = text.split("\n");
      const last = lines.pop()!;
      const ops = lines.map((line) => JSON.parse(line) as Op);
      expect(ops.map((o) => o.index)).toEqual(ops.map((_, i) => i));
      expect(ops.length).toBeGreaterThanOrEqual(acknowledged);
      // Whatever follows the last newline is the beginning of the next op's line, cut by the kill.
      const next = JSON.stringify({ index: ops.length, time: ops.length, process: ops.length % 5, type: "invoke", f: "write", value: "x".repeat(300) + ops.length });
      expect(next.startsWith(last)).toBe(true);
    } finally {
      if (child.exitCode === null && child.pid !== undefined) child.kill("SIGKILL");
      if (writerPid !== undefined && !killed) {
        try {
          process.kill(writerPid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    }
  });
});
