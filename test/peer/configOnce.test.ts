/**
 * A config object given to `Peer.start` is filled from the defaults once and
 * the filled config kept for that object (a network or dialer passes the same
 * object to every peer): peers started from one object share it, so a change
 * made to the object after the first peer is not seen by the next ones. A
 * new object is read afresh.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as PeerConfig from "../../src/peer/PeerConfig.js"
import { firstWrite } from "../support/directSocket.js"
import { params } from "../support/peer.js"

const text = (bytes: Uint8Array) => new TextDecoder("latin1").decode(bytes)
/** The version nonce's place in the frame: header 24, then 4 + 8 + 8 + 26 + 26 bytes of the payload. */
const nonceOf = (frame: Uint8Array) => new DataView(frame.buffer, frame.byteOffset).getBigUint64(96, true)

describe("PeerOptions.config is read once per object", () => {
  it.effect("a second peer from the same object keeps the first one's config; a new object is read afresh", () =>
    Effect.gen(function*() {
      const first = PeerConfig.makeNonceRegistry()
      const later = PeerConfig.makeNonceRegistry()
      const shared: { -readonly [K in keyof PeerConfig.PeerConfigShape]?: PeerConfig.PeerConfigShape[K] } = {
        params,
        nonceRegistry: first,
        userAgentName: "first"
      }
      expect(text(yield* firstWrite({ direction: "outbound", config: shared }))).toContain("/first:")
      shared.userAgentName = "changed"
      shared.nonceRegistry = later
      const again = yield* firstWrite({ direction: "outbound", config: shared })
      expect(text(again)).toContain("/first:")
      expect(text(again)).not.toContain("/changed:")
      // Its nonce went to the first registry: peers from one object catch each other's self-connections.
      expect(first.has(nonceOf(again))).toBe(true)
      expect(later.has(nonceOf(again))).toBe(false)
      const fresh = yield* firstWrite({ direction: "outbound", config: { ...shared } })
      expect(text(fresh)).toContain("/changed:")
      expect(later.has(nonceOf(fresh))).toBe(true)
    }))
})
