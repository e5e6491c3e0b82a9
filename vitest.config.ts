import { defineConfig } from "vitest/config"

// Pure tests (wire codecs, address-book tables): no sockets, no child processes, no module state
// that one file could leave behind for another, so they share one module graph per worker instead
// of loading Effect and the codecs again for every file (most of their time was module loading).
const pure = ["test/wire/**/*.test.ts", "test/network/AddressBook*.test.ts"]

export default defineConfig({
  test: {
    // Two cores on CI: keep the pool small so loopback and bcoin tests are not starved.
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    // bcoin's start-up in beforeAll: seconds on an idle machine, a minute or more on a loaded one.
    hookTimeout: 180_000,
    env: { NODE_BACKEND: "js" },
    projects: [
      { extends: true, test: { name: "pure", include: pure, isolate: false } },
      { extends: true, test: { name: "io", include: ["test/**/*.test.ts", "scratchpad/**/*.test.ts"], exclude: pure } }
    ]
  }
})
