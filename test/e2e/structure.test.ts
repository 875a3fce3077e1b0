// The floors of DESIGN §2 (.dependency-cruiser.cjs), checked in npm test so that a change which
// breaks one fails here, not only in a lint step one may skip. knip (nothing unused; knip.json)
// runs in .ci/run as `npm run lint:unused`.

import { execFile } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = new URL("../..", import.meta.url).pathname;
const DEPCRUISE = join(ROOT, "node_modules/.bin/depcruise");
const PLACES = ["harness", "checkers", "workloads", "clusters", "nemeses", "reports", "bench", "scripts", "bin", "test"];

async function depcruise(places: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(DEPCRUISE, [...places, "--config", ".dependency-cruiser.cjs", "--output-type", "err"], { cwd: ROOT, maxBuffer: 64 << 20 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

describe("project structure", () => {
  it("keeps every floor: no place imports one above it, no production file imports test support", async () => {
    const result = await depcruise(PLACES);
    expect(result.output).toContain("no dependency violations found");
    expect(result.code).toBe(0);
  }, 120_000);

  it("the floor rules bite: a kernel file importing the runner is reported", async () => {
    // A throwaway file inside the kernel that imports harness/run: the rules must name it.
    const dir = mkdtempSync(join(ROOT, "harness/.floor-probe-"));
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "probe.ts"), 'import { runTest } from "../run/runner.ts";\nexport const probe = runTest;\n');
      const rel = dir.slice(ROOT.length);
      const result = await depcruise([rel]);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/floor-kernel/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
