import { defineConfig } from "vitest/config";

// Unit tests sit next to their code; local end-to-end suites live in test/e2e.
// The system tier (Docker, root) has its own config and never runs here.
export default defineConfig({
  test: {
    include: ["{harness,checkers,clusters,workloads,nemeses,reports}/**/*.test.ts", "test/e2e/**/*.test.ts"],
    exclude: ["**/node_modules/**", "test/systems/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // No blanket retry: a test that needs one (real processes on a loaded two-core machine)
    // declares it, and scripts/flaky-reporter.mjs names every test that passed only on a retry.
  },
});
