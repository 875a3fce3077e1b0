#!/usr/bin/env node
// Reads vitest JSON reports (and the flaky reporter's lists beside them) and prints the plain
// closing line CI understands: "tests: N passed, N failed" (plus ", N flaky" and ", N skipped"
// when some were), then each flaky test by name. A flaky test passed only after a retry: it counts
// as passed, and is named so that nobody mistakes a retry for health.
// Usage: test-summary.mjs REPORT.json… [--flaky FLAKY.json…]. Exit 1 if any failed or none ran.
import { readFileSync, existsSync } from "node:fs";

const reports = [];
const flakyFiles = [];
let target = reports;
for (const arg of process.argv.slice(2)) {
  if (arg === "--flaky") target = flakyFiles;
  else target.push(arg);
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of reports) {
  if (!existsSync(file)) {
    console.error(`test-summary: ${file} is missing (did the test run crash before reporting?)`);
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + countFilesFailedWithoutTests(report);
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
const flaky = flakyFiles.filter((file) => existsSync(file)).flatMap((file) => JSON.parse(readFileSync(file, "utf8")).flaky ?? []);
console.log(`tests: ${passed} passed, ${failed} failed${flaky.length ? `, ${flaky.length} flaky` : ""}${skipped ? `, ${skipped} skipped` : ""}`);
for (const name of flaky) console.log(`  flaky: ${name}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);

// A test file that failed without a failed test (it did not load, or a hook threw) counts as one
// failure; a file whose tests failed is already counted by them. (numFailedTestSuites counts
// describe blocks too, so it cannot be subtracted from.)
function countFilesFailedWithoutTests(report) {
  return (report.testResults ?? []).filter((file) => file.status === "failed" && !(file.assertionResults ?? []).some((t) => t.status === "failed")).length;
}
