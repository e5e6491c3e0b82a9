/**
 * Counts payload hashes: what a test's `vi.mock` of
 * `src/internal/wire/checksum.js` returns, the real module with its two
 * checksum functions counted in `counter` (made with `vi.hoisted`), so a test
 * can assert how many double SHA-256 a path took.
 */
import type * as Checksum from "../../src/internal/wire/checksum.js"

export const countingChecksum = (real: typeof Checksum, counter: { count: number }): typeof Checksum => ({
  ...real,
  checksumWord: (payload: Uint8Array): number => {
    counter.count++
    return real.checksumWord(payload)
  },
  checksumWordFrom: (frame: Uint8Array, start: number): number => {
    counter.count++
    return real.checksumWordFrom(frame, start)
  }
})
