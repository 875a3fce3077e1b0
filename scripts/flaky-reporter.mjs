// A vitest reporter that lists the tests which passed only after a retry (a test opts into
// retries itself, e.g. `it(name, { retry: 1 }, fn)` for real processes on a loaded machine).
// Writes {"flaky": ["file > suite > test (retried N×)", …]} to the file named by
// FAULTLINE_FLAKY_OUT (default .ci-flaky.json); scripts/test-summary.mjs reports them apart.
import { writeFileSync } from "node:fs";

export default class FlakyReporter {
  onFinished(files = []) {
    const flaky = [];
    const walk = (task, path) => {
      const here = task.type === "suite" && task.name ? [...path, task.name] : path;
      if (task.type === "test" && task.result?.state === "pass" && (task.result.retryCount ?? 0) > 0) {
        flaky.push(`${[...here, task.name].join(" > ")} (retried ${task.result.retryCount}×)`);
      }
      for (const child of task.tasks ?? []) walk(child, here);
    };
    // A file task is a suite named by its path relative to the root.
    for (const file of files) walk(file, []);
    writeFileSync(process.env.FAULTLINE_FLAKY_OUT ?? ".ci-flaky.json", JSON.stringify({ flaky }, null, 2) + "\n");
  }
}
