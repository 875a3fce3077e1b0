// `faultline prune` through the real CLI, on a store laid out as runs leave it (DESIGN §6):
// per test the newest N runs stay, runs younger than an age stay, the runs `latest` points at
// always stay, --dry-run removes nothing, and the output names each run removed and the space freed.

import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runTimestamp } from "../../harness/store/store.ts";
import { faultline } from "../support/cli.ts";

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

const DAY_MS = 86_400_000;

/** A store with `ages` (days before now) of runs per test, each run holding 10 kB of node data.
 *  store/<test>/latest points at the newest run unless `latest` says which (by index in `ages`). */
function makeStore(tests: Record<string, { ages: number[]; latest?: number }>): { store: string; runs: Record<string, string[]> } {
  const store = mkdtempSync(join(tmpdir(), "faultline-prune-"));
  roots.push(store);
  const runs: Record<string, string[]> = {};
  const now = Date.now();
  let newestOverall: string | undefined;
  let newestTime = -Infinity;
  for (const [test, { ages, latest }] of Object.entries(tests)) {
    runs[test] = ages.map((days) => {
      const name = runTimestamp(new Date(now - days * DAY_MS));
      const dir = join(store, test, name);
      mkdirSync(join(dir, "nodes", "n1"), { recursive: true });
      writeFileSync(join(dir, "test.json"), "{}\n");
      writeFileSync(join(dir, "results.json"), '{"valid": true}\n');
      writeFileSync(join(dir, "harness.log"), "run\n");
      writeFileSync(join(dir, "nodes", "n1", "wal"), Buffer.alloc(10_000, 1));
      if (now - days * DAY_MS > newestTime) {
        newestTime = now - days * DAY_MS;
        newestOverall = `${test}/${name}`;
      }
      return dir;
    });
    const target = runs[test][latest ?? ages.indexOf(Math.min(...ages))];
    symlinkSync(target.split("/").at(-1)!, join(store, test, "latest"));
  }
  if (newestOverall) symlinkSync(newestOverall, join(store, "latest"));
  mkdirSync(join(store, ".faultline", "runs"), { recursive: true });
  return { store, runs };
}

describe("faultline prune", () => {
  it("--keep N keeps the newest N runs of each test and says what it removed and freed", async () => {
    const { store, runs } = makeStore({ a: { ages: [1, 2, 3, 4] }, b: { ages: [5, 6] } });
    const result = await faultline(["prune", "--store", store, "--keep", "2"]);
    expect(result.code, result.stderr).toBe(0);
    expect(runs.a.map(existsSync)).toEqual([true, true, false, false]);
    expect(runs.b.map(existsSync)).toEqual([true, true]);
    expect(result.stdout).toContain(`removed ${runs.a[2]} (`);
    expect(result.stdout).toContain(`removed ${runs.a[3]} (`);
    expect(result.stdout).toMatch(/removed 2 run\(s\), freed [1-9][\d.]* kB; 4 run\(s\) kept/);
  });

  it("--older-than removes only runs older than the age, and never a run latest points at", async () => {
    // Test c's latest link points at its oldest run (an older run re-linked by hand).
    const { store, runs } = makeStore({ a: { ages: [1, 8, 10] }, c: { ages: [2, 9, 30], latest: 2 } });
    const result = await faultline(["prune", "--store", store, "--older-than", "7d"]);
    expect(result.code, result.stderr).toBe(0);
    expect(runs.a.map(existsSync)).toEqual([true, false, false]);
    expect(runs.c.map(existsSync)).toEqual([true, false, true]);
    expect(result.stdout).toContain(`kept ${runs.c[2]}: a latest link points at it`);
    expect(existsSync(join(store, "latest")), "store/latest still resolves").toBe(true);
  });

  it("--keep and --older-than together remove a run only if both let it go", async () => {
    const { store, runs } = makeStore({ a: { ages: [10, 11, 12, 1] } });
    const result = await faultline(["prune", "--store", store, "--keep", "2", "--older-than", "7d"]);
    expect(result.code, result.stderr).toBe(0);
    // Newest two: ages 1 and 10; of the rest, both are older than 7 days.
    expect(runs.a.map(existsSync)).toEqual([true, false, false, true]);
  });

  it("never removes a run that may be in progress (no results yet, its log just written)", async () => {
    const { store, runs } = makeStore({ a: { ages: [1, 2, 3] } });
    rmSync(join(runs.a[2], "results.json"));
    const result = await faultline(["prune", "--store", store, "--keep", "1"]);
    expect(result.code, result.stderr).toBe(0);
    expect(runs.a.map(existsSync)).toEqual([true, false, true]);
    expect(result.stdout).toContain(`kept ${runs.a[2]}: no results yet and its harness.log changed in the last 10 minutes`);
  });

  it("--dry-run removes nothing and says what it would remove", async () => {
    const { store, runs } = makeStore({ a: { ages: [1, 2, 3] } });
    const result = await faultline(["prune", "--store", store, "--keep", "1", "--dry-run"]);
    expect(result.code, result.stderr).toBe(0);
    expect(runs.a.every(existsSync)).toBe(true);
    expect(result.stdout).toMatch(/would remove 2 run\(s\), would free [1-9][\d.]* kB/);
  });

  it("rejects what it cannot act on with one line and exit 254", async () => {
    const { store } = makeStore({ a: { ages: [1] } });
    for (const args of [["--keep", "-1"], ["--keep", "two"], ["--older-than", "7 days"], [], ["--store", join(store, "nope"), "--keep", "1"]]) {
      const result = await faultline(["prune", "--store", store, ...args]);
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(254);
      expect(result.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
