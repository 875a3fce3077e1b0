import { defineConfig } from "vitest/config";

// Real servers in Docker containers; needs root. Run by `npm run test:systems`.
export default defineConfig({
  test: {
    include: ["test/systems/**/*.test.ts"],
    testTimeout: 20 * 60_000,
    hookTimeout: 30 * 60_000,
    pool: "forks",
    // Real processes on a shared two-core machine: a test that fails is run once more, and only a
    // second failure counts. Flakes stay visible in the output as retries.
    retry: 1,
    fileParallelism: false,
  },
});
