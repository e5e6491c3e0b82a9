/**
 * Our version nonce over a socket that writes and closes directly (as
 * `NodeTransport`'s do): there a peer started under the default `Random`
 * draws from `Math.random` itself instead of running the `Random` service's
 * effects, and under any other `Random` draws from that one. A `MemorySocket`
 * has neither capability, so the tests over it never take the direct path.
 */
import { afterEach, describe, expect, it, vi } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import { firstWrite } from "../support/directSocket.js"
import { config } from "../support/peer.js"

/**
 * The nonce of the `version` an outbound peer writes first: a 24-byte frame
 * header, then version (4), services (8), timestamp (8), the two addresses
 * (26 each), nonce (8, little-endian) at payload offset 72.
 */
const NONCE_AT = 24 + 4 + 8 + 8 + 26 + 26

const nonceUnder = (random: Random.Random | undefined) =>
  Effect.gen(function*() {
    const started = firstWrite({ direction: "outbound", config: config() })
    const first = yield* random === undefined ? started : Effect.withRandom(started, random)
    expect(new TextDecoder().decode(first.subarray(4, 11))).toBe("version")
    return new DataView(first.buffer, first.byteOffset).getBigUint64(NONCE_AT, true)
  })

afterEach(() => {
  vi.restoreAllMocks()
})

describe("the version nonce over a socket that writes directly", () => {
  it.effect("a seeded Random gives the same nonce twice", () =>
    Effect.gen(function*() {
      const a = yield* nonceUnder(Random.make("seed"))
      const b = yield* nonceUnder(Random.make("seed"))
      expect(a).toBe(b)
      expect(yield* nonceUnder(Random.make("another seed"))).not.toBe(a)
    }))

  it.effect("the default Random: the nonce comes from Math.random (a seeded Random's does not)", () =>
    Effect.gen(function*() {
      expect(yield* nonceUnder(undefined)).not.toBe(yield* nonceUnder(undefined))
      const r = 0.25
      vi.spyOn(Math, "random").mockReturnValue(r)
      const u32 = BigInt(Math.floor(r * 0x1_0000_0000))
      expect(yield* nonceUnder(undefined)).toBe((u32 << 32n) | u32)
      expect(yield* nonceUnder(Random.make("seed"))).not.toBe((u32 << 32n) | u32)
    }))
})
