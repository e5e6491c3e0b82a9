/**
 * `Frame.EchoChecksums` on real peers: each connection's transport shares
 * one between its decoder and its encoder, so a ping and its pong between
 * two of our peers are hashed twice (the pinger frames the ping, the
 * answerer checks it), not four times. Hashes are counted by wrapping what
 * `internal/wire/checksum` exports, as in `test/wire/Frame.echo.test.ts`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { vi } from "vitest"
import { connect, memoryTransport, settle } from "../support/peer.js"

/** Payload hashes so far. */
const hashes = vi.hoisted(() => ({ count: 0 }))
vi.mock("../../src/internal/wire/checksum.js", async (importOriginal) =>
  (await import("../support/hashCount.js")).countingChecksum(await importOriginal(), hashes))

describe("EchoChecksums between two peers", () => {
  it.scoped("a ping and its pong are hashed twice", () =>
    Effect.gen(function*() {
      const [a, b] = yield* connect(memoryTransport)
      yield* settle(a, b)
      // The counter sees the peers' frames at all (the handshake's version and settle's pings).
      expect(hashes.count).toBeGreaterThan(0)
      const before = hashes.count
      yield* a.ping
      expect(hashes.count - before).toBe(2)
      yield* b.ping
      expect(hashes.count - before).toBe(4)
    }))
})
