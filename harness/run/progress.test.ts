import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Op } from "../op.ts";
import { Progress } from "./progress.ts";

function sink(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  let text = "";
  out.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return { out, text: () => text };
}

const op = (process: Op["process"], type: Op["type"], f: string): Op => ({ index: 0, time: 0, process, type, f, value: null });

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("Progress off a terminal", () => {
  it("writes one plain line every 5 s: phase with elapsed/limit, client ops ok/fail/info, the faults in force", () => {
    const { out, text } = sink();
    const progress = new Progress(out, { limitsS: { main: 30, checking: 60 }, live: false });
    progress.start();
    vi.advanceTimersByTime(4999);
    expect(text()).toBe("");
    vi.advanceTimersByTime(1);
    expect(text()).toBe("faultline: progress: setup 5s · client ops 0 ok, 0 fail, 0 info · faults now: none (0 injected)\n");

    progress.enterPhase("main");
    for (const type of ["invoke", "ok", "invoke", "ok", "invoke", "fail", "invoke", "info"] as const) progress.observe(op(1, type, "read"));
    progress.observe(op("nemesis", "invoke", "start-partition"));
    progress.observe(op("nemesis", "ok", "start-partition"));
    vi.advanceTimersByTime(5000);
    expect(text().split("\n")[1]).toBe("faultline: progress: main 5s/30s · client ops 2 ok, 1 fail, 1 info · faults now: partition (1 injected)");

    progress.observe(op("nemesis", "ok", "stop-partition"));
    progress.enterPhase("heal");
    vi.advanceTimersByTime(5000);
    expect(text().split("\n")[2]).toBe("faultline: progress: healing 5s · client ops 2 ok, 1 fail, 1 info · faults now: none (1 injected)");

    progress.stop(true);
    vi.advanceTimersByTime(20_000);
    // Nothing after stop: the summary follows.
    expect(text().split("\n")).toHaveLength(4);
    // Plain text: no terminal control codes in a CI log.
    expect(text()).not.toMatch(/[\r\x1b]/);
  });
});

describe("Progress on a terminal", () => {
  it("redraws one line every second and at each phase change; a run that reached its end leaves it drawn", () => {
    const { out, text } = sink();
    const progress = new Progress(out, { limitsS: { main: 10 }, live: true });
    progress.start();
    vi.advanceTimersByTime(1000);
    expect(text()).toBe("\r\x1b[Ksetup 1s · client ops 0 ok, 0 fail, 0 info · faults now: none (0 injected)");
    progress.enterPhase("main");
    expect(text().endsWith("\r\x1b[Kmain 0s/10s · client ops 0 ok, 0 fail, 0 info · faults now: none (0 injected)")).toBe(true);
    progress.stop(true);
    expect(text().endsWith("main 0s/10s · client ops 0 ok, 0 fail, 0 info · faults now: none (0 injected)\n")).toBe(true);
  });

  it("a run that failed has its line erased, so the error stands alone", () => {
    const { out, text } = sink();
    const progress = new Progress(out, { limitsS: {}, live: true });
    progress.start();
    vi.advanceTimersByTime(1000);
    progress.stop(false);
    expect(text().endsWith("\r\x1b[K")).toBe(true);
  });
});
