// scripts/test-summary.mjs: the closing line of .ci/run counts each failed test once, and a test
// file that failed without a failed test (it did not load) as one.

import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cli.ts";

const run = promisify(execFile);

async function summary(report: object): Promise<{ code: number; stdout: string }> {
  const file = join(mkdtempSync(join(tmpdir(), "faultline-summary-")), "report.json");
  writeFileSync(file, JSON.stringify(report));
  return run(process.execPath, [join(REPO_ROOT, "scripts/test-summary.mjs"), file]).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
  );
}

describe("test-summary", () => {
  it("counts a failed test inside a describe block once (vitest's numFailedTestSuites counts the block too) and names it with its message", async () => {
    const result = await summary({
      numPassedTests: 5,
      numFailedTests: 1,
      numFailedTestSuites: 2,
      numPendingTests: 0,
      testResults: [
        { name: "/x/test/e2e/a.test.ts", status: "failed", assertionResults: [{ status: "passed" }, { status: "failed", fullName: "a > breaks", failureMessages: ["\nAssertionError: expected 1 to be 2\n    at stack"] }] },
        { status: "passed", assertionResults: [{ status: "passed" }] },
      ],
    });
    expect(result.stdout.trim().split("\n")).toEqual(["tests: 5 passed, 1 failed", "  failed: /x/test/e2e/a.test.ts > a > breaks: AssertionError: expected 1 to be 2"]);
    expect(result.code).toBe(1);
  });

  it("counts a file that failed to load as one failure", async () => {
    const result = await summary({ numPassedTests: 3, numFailedTests: 0, numFailedTestSuites: 1, testResults: [{ name: "b.test.ts", status: "failed", message: "SyntaxError: nope", assertionResults: [] }] });
    expect(result.stdout.trim().split("\n")).toEqual(["tests: 3 passed, 1 failed", "  failed: b.test.ts: SyntaxError: nope"]);
    expect(result.code).toBe(1);
  });

  it("passes when nothing failed", async () => {
    const result = await summary({ numPassedTests: 3, numFailedTests: 0, numFailedTestSuites: 0, testResults: [{ status: "passed", assertionResults: [{ status: "passed" }] }] });
    expect(result.stdout.trim()).toBe("tests: 3 passed, 0 failed");
    expect(result.code).toBe(0);
  });
});
