import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withBuildLock } from "./build-lock.ts";

describe("withBuildLock", () => {
  it("serialises holders and releases the lock even when the holder throws", async () => {
    const lock = join(mkdtempSync(join(tmpdir(), "faultline-lock-")), "build.lock");
    const events: string[] = [];
    const waits: string[] = [];
    const first = withBuildLock(lock, (l) => waits.push(l), async () => {
      events.push("first in");
      await new Promise((r) => setTimeout(r, 300));
      events.push("first out");
    });
    await new Promise((r) => setTimeout(r, 50));
    const second = withBuildLock(lock, (l) => waits.push(l), async () => {
      events.push("second in");
      throw new Error("boom");
    });
    await first;
    await expect(second).rejects.toThrow("boom");
    expect(events).toEqual(["first in", "first out", "second in"]);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatch(new RegExp(`pid ${process.pid}`));
    expect(existsSync(lock)).toBe(false);
  });

  it("takes over a lock whose owner is dead", async () => {
    const lock = join(mkdtempSync(join(tmpdir(), "faultline-lock-")), "build.lock");
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
    writeFileSync(lock, `${dead}\n`);
    const waits: string[] = [];
    expect(await withBuildLock(lock, (l) => waits.push(l), async () => 42)).toBe(42);
    expect(waits).toEqual([]);
  });
});
