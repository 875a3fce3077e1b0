#!/usr/bin/env node
// Reads vitest JSON reports and prints the plain closing line CI understands:
// "tests: N passed, N failed" (plus ", N skipped" when some were). Exit 1 if any failed or none ran.
import { readFileSync, existsSync } from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.error(`test-summary: ${file} is missing (did the test run crash before reporting?)`);
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0) - countSuitesWithFailedTests(report);
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);

// A suite that failed to load counts as one failure; a suite whose tests failed is already counted.
function countSuitesWithFailedTests(report) {
  return (report.testResults ?? []).filter((suite) => suite.status === "failed" && (suite.assertionResults ?? []).some((t) => t.status === "failed")).length;
}
