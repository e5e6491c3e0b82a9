/**
 * A peer takes the chunks of a large message that only extend it straight
 * into its transport, even once the turn's byte budget is spent: it reads
 * how many bytes the message still awaits from the transport (through the
 * peer's own decoder side, `awaitingBytes`). Without that, a block stream's
 * chunks would queue as unread bytes behind every spent budget.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Frame from "../../src/wire/Frame.js"
import { connectRaw, params } from "../support/peer.js"

describe("Peer: chunks that only extend the message being received", () => {
  it.scoped("are not held unread once a large message spent the turn's byte budget", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound")
      const size = 1024 * 1024 + Frame.HEADER_SIZE
      const stream = new Uint8Array(2 * size)
      for (let i = 0; i < 2; i++) stream.set(Frame.encodeRaw(params.magic, "blob", new Uint8Array(1024 * 1024).fill(i + 1)), i * size)
      const chunks: Array<Uint8Array> = []
      for (let at = 0; at < stream.length; at += 64 * 1024) chunks.push(stream.subarray(at, at + 64 * 1024))
      chunks.pop() // the second message never completes
      // Written without yielding: the peer's socket takes them all in one turn of the event loop.
      for (const c of chunks) yield* raw.sendBytes(c)
      // Fiber turns only (no macrotask): the first message spent the budget, the second's chunks came after it.
      for (let i = 0; i < 20; i++) yield* Effect.yieldNow()
      const stats = yield* peer.stats
      // Every chunk reached the peer (decoded or unread)...
      expect(stats.bytesReceived + stats.unreadBytes).toBeGreaterThanOrEqual(stream.length - 64 * 1024)
      // ...and none of the second message's waits unread.
      expect(stats.unreadBytes).toBe(0)
    }))
})
