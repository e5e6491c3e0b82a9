/**
 * The v2 transport carries the network's wire format, as v1 does: two of our
 * peers on LBRY regtest (112-byte headers with a claim-trie root) exchange a
 * `headers` message over v2 and the header arrives whole; the same header
 * cannot be sent on a Bitcoin-format network.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as Peer from "../../../src/peer/Peer.js"
import * as V2Transport from "../../../src/peer/V2Transport.js"
import * as BlockHeader from "../../../src/wire/BlockHeader.js"
import * as ChainParams from "../../../src/wire/ChainParams.js"
import * as Message from "../../../src/wire/Message.js"
import { config, memoryTransport } from "../../support/peer.js"

const lbryHeader: BlockHeader.BlockHeader = {
  version: 536870912,
  prevBlock: new Uint8Array(32).fill(1),
  merkleRoot: new Uint8Array(32).fill(2),
  claimTrieRoot: new Uint8Array(32).fill(3),
  time: 1_700_000_000,
  bits: 0x207fffff,
  nonce: 7
}

const v2Pair = (params: ChainParams.ChainParams) =>
  Effect.gen(function*() {
    const [a, b] = yield* memoryTransport.pair
    return yield* Effect.all([
      Peer.make(a, { direction: "outbound", config: config({ params }), transport: V2Transport.messageTransport() }),
      Peer.make(b, { direction: "inbound", config: config({ params }), transport: V2Transport.messageTransport() })
    ], { concurrency: 2 })
  })

describe("v2 transport and the network's wire format", () => {
  it.live("LBRY regtest: a 112-byte header goes over v2 with its claim-trie root", () =>
    Effect.gen(function*() {
      const [a, b] = yield* v2Pair(ChainParams.lbryRegtest)
      expect(a.info.transport).toBe("v2")
      const sub = yield* b.subscribe("Headers")
      const got = yield* Stream.runHead(sub).pipe(Effect.fork)
      yield* a.send(Message.Headers.make({ headers: [lbryHeader] }))
      const m = yield* Fiber.join(got)
      expect(m._tag).toBe("Some")
      const h = (m as { value: Message.MessageOf<"Headers"> }).value.headers[0]!
      expect(BlockHeader.toBytes(h)).toEqual(BlockHeader.toBytes(lbryHeader))
      expect(BlockHeader.toBytes(h).length).toBe(BlockHeader.LBRY_SIZE)
      expect((yield* b.stats).received["headers"]?.bytes).toBe(1 + BlockHeader.LBRY_SIZE + 1)
    }).pipe(Effect.scoped))

  it.live("Bitcoin regtest: the same header is refused at encode, before anything is sent", () =>
    Effect.gen(function*() {
      const [a] = yield* v2Pair(ChainParams.regtest)
      const sent = yield* Effect.either(a.send(Message.Headers.make({ headers: [lbryHeader] })))
      expect(sent._tag).toBe("Left")
    }).pipe(Effect.scoped))
})
