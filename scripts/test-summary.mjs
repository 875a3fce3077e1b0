#!/usr/bin/env node
// Reads vitest JSON reports (and the flaky reporter's lists beside them) and prints the plain
// closing line CI understands: "tests: N passed, N failed" (plus ", N flaky" and ", N skipped"
// when some were), then each failed test by file and name with the first line of its failure (so
// that a CI log cut to its tail still says what broke), then each flaky test by name. A flaky test passed only after a retry: it counts
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
const failures = [];
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
  failures.push(...describeFailures(report));
}
const flaky = flakyFiles.filter((file) => existsSync(file)).flatMap((file) => JSON.parse(readFileSync(file, "utf8")).flaky ?? []);
console.log(`tests: ${passed} passed, ${failed} failed${flaky.length ? `, ${flaky.length} flaky` : ""}${skipped ? `, ${skipped} skipped` : ""}`);
for (const line of failures) console.log(`  failed: ${line}`);
for (const name of flaky) console.log(`  flaky: ${name}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);

// A test file that failed without a failed test (it did not load, or a hook threw) counts as one
// failure; a file whose tests failed is already counted by them. (numFailedTestSuites counts
// describe blocks too, so it cannot be subtracted from.)
function countFilesFailedWithoutTests(report) {
  return (report.testResults ?? []).filter((file) => file.status === "failed" && !(file.assertionResults ?? []).some((t) => t.status === "failed")).length;
}

// "file > test name: first line of the message" for every failed test, and "file: message" for a
// file that failed without one.
function describeFailures(report) {
  const lines = [];
  for (const file of report.testResults ?? []) {
    const where = relative(file.name ?? "?");
    const failedTests = (file.assertionResults ?? []).filter((t) => t.status === "failed");
    for (const t of failedTests) lines.push(`${where} > ${t.fullName ?? t.title ?? "?"}: ${firstLine((t.failureMessages ?? [])[0])}`);
    if (file.status === "failed" && failedTests.length === 0) lines.push(`${where}: ${firstLine(file.message)}`);
  }
  return lines;
}

function firstLine(text) {
  const line = String(text ?? "").split("\n").find((l) => l.trim() !== "") ?? "(no message)";
  return line.length > 300 ? `${line.slice(0, 300)}…` : line.trim();
}

function relative(path) {
  const cwd = process.cwd() + "/";
  return path.startsWith(cwd) ? path.slice(cwd.length) : path;
}
