import { defineConfig } from "vitest/config";

// Real servers in Docker containers; needs root. Run by `npm run test:systems`.
export default defineConfig({
  test: {
    include: ["test/systems/**/*.test.ts"],
    testTimeout: 20 * 60_000,
    hookTimeout: 30 * 60_000,
    pool: "forks",
    // No blanket retry: a test that needs one (real processes on a loaded two-core machine)
    // declares it, and scripts/flaky-reporter.mjs names every test that passed only on a retry.
    fileParallelism: false,
  },
});
