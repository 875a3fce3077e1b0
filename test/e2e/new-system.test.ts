// Adding a system is one folder in clusters/ plus one registration line (DESIGN §2). This test
// adds one — test/support/memory-register/, an in-memory register — with exactly that: the one
// line below builds a registry that holds it. Then it runs it through the same spec validation,
// runner, checker, claims and report as every real system, and checks that nothing outside its
// folder (and this test) names it.

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { catalog, REGISTRY, type Registry } from "../../harness/run/registry.ts";
import { runTest } from "../../harness/run/runner.ts";
import { buildSpec } from "../../harness/spec/build-spec.ts";
import { RUN_FILES } from "../../harness/store/store.ts";
import { memoryRegisterSystem } from "../support/memory-register/system.ts";
import { REPO_ROOT } from "../support/cli.ts";

const store = mkdtempSync(join(tmpdir(), "faultline-new-system-"));
afterAll(() => rmSync(store, { recursive: true, force: true }));

// The registration line.
const registry: Registry = { ...REGISTRY, systems: { ...REGISTRY.systems, [memoryRegisterSystem.name]: memoryRegisterSystem } };

describe("a new system: one folder and one registration line", () => {
  it("runs end to end through the runner, checked, judged against its claims and reported", async () => {
    const spec = buildSpec({}, { system: "memory-register", nemesis: "none", time: "2", nodes: "3", store, seed: "7" }, catalog(registry));
    const { runDir, results } = await runTest(spec, {}, registry);
    expect(results.valid).toBe(true);
    expect(results.claims).toEqual([
      expect.objectContaining({ claim: "linearizable (register workload)", verdict: "held", decidedBy: "linearizability checker" }),
      expect.objectContaining({ claim: "CP", verdict: "not tested" }),
    ]);
    expect((results.stats as { clientOps: number }).clientOps).toBeGreaterThan(50);
    expect(existsSync(join(runDir, RUN_FILES.report))).toBe(true);
  });

  it("is unknown to a registry without the line", () => {
    expect(() => buildSpec({}, { system: "memory-register", store }, catalog(REGISTRY))).toThrow(/system "memory-register"/);
  });

  it("is named nowhere but in its folder and in tests that use it", () => {
    const files = execFileSync("git", ["grep", "-l", "--untracked", "memory-register"], { cwd: REPO_ROOT, encoding: "utf8" }).trim().split("\n");
    expect(files).toContain("test/e2e/new-system.test.ts");
    // No production file, no registry, no runtime or claims code: only the system's own folder,
    // and tests (*.test.ts) that take it as their fixture.
    expect(files.filter((file) => !file.endsWith(".test.ts")).sort()).toEqual(["test/support/memory-register/system.ts"]);
  });
});
