/**
 * Our version nonce over a socket that writes and closes directly (as
 * `NodeTransport`'s do): there a peer started under the default `Random`
 * draws from `Math.random` itself instead of running the `Random` service's
 * effects, and under any other `Random` draws from that one. A `MemorySocket`
 * has neither capability, so the tests over it never take the direct path.
 */
import { afterEach, describe, expect, it, vi } from "@effect/vitest"
import * as Socket from "@effect/platform/Socket"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Scope from "effect/Scope"
import * as Exit from "effect/Exit"
import { DirectClose, DirectWrite } from "../../src/internal/peer/DirectWrite.js"
import { joined, type Pieces } from "../../src/internal/peer/pieces.js"
import * as Peer from "../../src/peer/Peer.js"
import { config } from "../support/peer.js"

/** A socket that takes every direct write at once and keeps it; nothing ever arrives. */
const recordingSocket = () => {
  const writes: Array<Uint8Array> = []
  const socket: Socket.Socket & DirectWrite & DirectClose = {
    [Socket.TypeId]: Socket.TypeId,
    run: () => Effect.never,
    runRaw: () => Effect.never,
    writer: Effect.dieMessage("a peer over a direct socket never asks for the writer"),
    [DirectWrite]: (bytes: Uint8Array | Pieces) => {
      writes.push(joined(bytes).slice())
      return true
    },
    [DirectClose]: () => {}
  }
  return { socket, writes }
}

/**
 * The nonce of the `version` an outbound peer writes first: a 24-byte frame
 * header, then version (4), services (8), timestamp (8), the two addresses
 * (26 each), nonce (8, little-endian) at payload offset 72.
 */
const NONCE_AT = 24 + 4 + 8 + 8 + 26 + 26

const nonceUnder = (random: Random.Random | undefined) =>
  Effect.gen(function*() {
    const { socket, writes } = recordingSocket()
    const scope = yield* Scope.make()
    const started = Scope.extend(Peer.start(socket, { direction: "outbound", config: config() }), scope)
    yield* random === undefined ? started : Effect.withRandom(started, random)
    // The version is queued at start; its write happens once the fiber yields.
    for (let i = 0; i < 100 && writes.length === 0; i++) yield* Effect.yieldNow()
    yield* Scope.close(scope, Exit.void)
    const first = writes[0]
    expect(first, "the peer wrote its version").toBeDefined()
    expect(new TextDecoder().decode(first!.subarray(4, 11))).toBe("version")
    return new DataView(first!.buffer, first!.byteOffset).getBigUint64(NONCE_AT, true)
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
