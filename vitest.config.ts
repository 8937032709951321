import { defineConfig } from "vitest/config";

// Tests talk HTTP on loopback to real servers started in-process on port 0, so files run in
// parallel safely; timeouts are generous because CI machines are shared and small.
export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Tests that start `bin/octoroute.mjs` (as `npm start` does) find `dist/` current.
    globalSetup: ["tests/helpers/build-dist.ts"],
    // The JSON report lets CI print a plain "N passed, N failed" closing line.
    reporters: ["default", ["json", { outputFile: "test-output/vitest.json" }]],
  },
});
