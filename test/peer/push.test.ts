/**
 * The locator push helpers: `pushGetBlocks` / `pushGetHeaders` skip a request
 * identical (same locator tip and stop hash) to the previous one of their
 * kind, so a caller re-announcing its tip does not make the remote send the
 * same blocks or headers twice. Each kind keeps its own memory.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Message from "../../src/wire/Message.js"
import { connectRaw, hashOf } from "../support/peer.js"

describe("locator push helpers", () => {
  it.scoped("back-to-back identical getblocks / getheaders go out once each; a new tip or stop hash goes out", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound")
      const locator = [hashOf(1), hashOf(2)]
      yield* peer.pushGetBlocks(locator)
      yield* peer.pushGetBlocks(locator)
      yield* peer.pushGetHeaders(locator) // the other kind: not a duplicate
      yield* peer.pushGetHeaders(locator)
      yield* peer.pushGetBlocks([hashOf(3), hashOf(2)]) // new tip
      yield* peer.pushGetBlocks([hashOf(3), hashOf(2)], hashOf(9)) // new stop hash
      yield* peer.pushGetBlocks(locator) // differs from the previous one again
      yield* peer.sendAndAwait(Message.Ping.make({ nonce: 1n })) // marks the end
      const sent: Array<string> = []
      for (;;) {
        const r = yield* raw.next
        if (r.command === "ping") break
        sent.push(r.command)
      }
      expect(sent).toEqual(["getblocks", "getheaders", "getblocks", "getblocks", "getblocks"])
    }))
})
