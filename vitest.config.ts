import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "scratchpad/**/*.test.ts"],
    // Two cores on CI: keep the pool small so loopback and bcoin tests are not starved.
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { NODE_BACKEND: "js" }
  }
})
