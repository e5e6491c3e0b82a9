/**
 * Limits both ways at the peer: a send our own decoder would refuse (an `inv`
 * of 50,001 vectors, a 400-byte user agent in a `reject` reason's place)
 * fails with `EncodeFailed`, writes nothing, and leaves the connection as it
 * was: the next message is the next frame the remote sees.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Message from "../../src/wire/Message.js"
import { connectRaw, txInv } from "../support/peer.js"

describe("peer send and the wire limits", () => {
  it.scoped("an over-cap message fails with EncodeFailed, nothing is written, and the peer stays connected", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound")
      const tooMany = Message.Inv.make({ inventory: Array.from({ length: 50_001 }, (_, i) => txInv(i)) })
      const e1 = yield* Effect.flip(peer.send(tooMany))
      expect(e1.reason).toBe("EncodeFailed")
      expect(e1.command).toBe("inv")
      const tooLong = Message.Reject.make({ message: "tx", code: 0x10, reason: "x".repeat(400) })
      const e2 = yield* Effect.flip(peer.send(tooLong))
      expect(e2.reason).toBe("EncodeFailed")
      yield* peer.send(Message.Inv.make({ inventory: [txInv(7)] }))
      const next = yield* raw.expect("Inv")
      expect(next.inventory).toEqual([txInv(7)])
      expect(raw.decodeError()).toBeUndefined()
      const stats = yield* peer.stats
      expect(stats.sent["inv"]?.messages).toBe(1)
      expect(stats.sent["reject"]).toBeUndefined()
    }))
})
