/**
 * The testing kit used as an app developer would, through the package's
 * entry points only: a header follower (the kind of app a block explorer or
 * a light wallet starts with) tested against a scripted peer that serves one
 * chain, then switches to a longer competing one and announces it by
 * `headers` (BIP-0130), so the app must find the fork and roll back.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Ref } from "effect"
import { BlockHeader, ChainParams, Hash, Message, type Peer } from "../../src/index.js"
import { TestChain, TestNetwork, TestPeer } from "../../src/testing/index.js"

// --- the app ------------------------------------------------------------------

/** What the follower reports: a new tip, and for a reorganisation the height it rolled back to. */
interface TipEvent {
  readonly height: number
  readonly hash: string
  readonly forkedAt?: number
}

/**
 * Follows `peer`'s best chain by headers from regtest genesis, as nodes do:
 * asks for `sendheaders`, then `getheaders` from its locator, and handles
 * every `headers` message in one loop (answers and announcements alike:
 * a request's answer reaches subscribers too). Headers that do not connect
 * to a block it has make it ask again from its locator; the answer starts
 * after the last block both chains share, and what it had after that is
 * replaced. A full answer (2,000) asks for more.
 */
const followHeaders = (peer: Peer.Peer, onTip: (event: TipEvent) => Effect.Effect<void>) =>
  Effect.gen(function*() {
    const hashes: Array<Uint8Array> = [ChainParams.regtest.genesisHash]
    const heightOf = (hash: Uint8Array) => {
      let h = hashes.length - 1
      while (h >= 0 && !Hash.equals(hashes[h]!, hash)) h--
      return h
    }
    /** The ten latest hashes, then doubling steps back to genesis, as nodes build locators. */
    const locator = () => {
      const out: Array<Uint8Array> = []
      for (let h = hashes.length - 1, step = 1; h > 0; h -= step) {
        out.push(hashes[h]!)
        if (out.length >= 10) step *= 2
      }
      out.push(hashes[0]!)
      return out
    }
    const askFromTip = Effect.suspend(() => peer.pushGetHeaders(locator()))
    const onHeaders = ({ headers }: Message.MessageOf<"Headers">) => {
      if (headers.length === 0) return Effect.void
      const parent = heightOf(headers[0]!.prevBlock)
      if (parent < 0) return askFromTip
      const incoming = headers.map(BlockHeader.hash)
      // Known already (an announcement of what an answer brought): nothing new.
      const fresh = incoming.findIndex((h, i) => !Hash.equals(h, hashes[parent + 1 + i] ?? Hash.ZERO))
      if (fresh < 0) return Effect.void
      const forked = parent + 1 + fresh < hashes.length
      hashes.length = parent + 1 + fresh
      hashes.push(...incoming.slice(fresh))
      const event = { height: hashes.length - 1, hash: Hash.toHex(hashes.at(-1)!), ...(forked ? { forkedAt: parent + fresh } : {}) }
      return Effect.zipRight(onTip(event), headers.length === 2000 ? askFromTip : Effect.void)
    }
    yield* peer.send(Message.SendHeaders.make({}))
    yield* askFromTip
    yield* peer.runForEach(["Headers"], onHeaders)
  })

// --- its tests ----------------------------------------------------------------

describe("testing kit, as an app uses it: a header follower through a reorganisation", () => {
  it.scoped("follows the peer's chain, then rolls back to the fork when a longer competing chain is announced", () =>
    Effect.gen(function*() {
      const first = TestChain.make({ length: 20, seed: "first" })
      // Shares blocks 0-15 with `first`, then 8 blocks of its own: height 23 beats 20.
      const second = first.fork(15, 8, "second")
      expect(second.hashes[15]).toEqual(first.hashes[15])
      expect(second.hashes[16]).not.toEqual(first.hashes[16])

      let served = first
      const { peer, remote } = yield* TestPeer.connect({ version: { startHeight: first.height } })
      yield* remote.respond("GetHeaders", (request) => served.answerGetHeaders(request))
      const tips = yield* Ref.make<Array<TipEvent>>([])
      const app = yield* Effect.fork(followHeaders(peer, (e) => Ref.update(tips, (all) => [...all, e])))

      /** The app's tips so far, once it reported `height` (the clock moves meanwhile: timeouts stay honest). */
      const reached = (height: number) =>
        Effect.zipRight(
          TestNetwork.advanceUntil(`tip ${height}`, Effect.map(Ref.get(tips), (all) => all.at(-1)?.height === height), { step: "10 millis", limit: "5 seconds" }),
          Ref.get(tips)
        )

      // It asks for BIP-0130 announcements, and syncs to the first chain's tip.
      yield* remote.expect("SendHeaders")
      expect(yield* reached(20)).toEqual([{ height: 20, hash: Hash.toHex(first.tip) }])

      // A block on top of the first chain, announced by its header: applied without a request.
      const extended = first.extend(1)
      served = extended
      yield* remote.send(Message.Headers.make({ headers: [extended.headers[21]!] }))
      expect((yield* reached(21)).at(-1)).toEqual({ height: 21, hash: Hash.toHex(extended.tip) })
      expect((yield* remote.received).filter((m) => m._tag === "GetHeaders").length).toBe(1)

      // The peer switches to the longer competing chain and announces its tip alone: the header does
      // not connect, so the app asks from its locator, learns the fork point and replaces 16-21.
      served = second
      yield* remote.send(Message.Headers.make({ headers: [second.headers[23]!] }))
      const asked = yield* remote.expect("GetHeaders", (m) => Hash.equals(m.locator[0]!, extended.tip))
      expect(second.headersAfter(asked).length).toBe(8)
      expect((yield* reached(23)).slice(2)).toEqual([{ height: 23, hash: Hash.toHex(second.tip), forkedAt: 15 }])
      yield* Fiber.interrupt(app)
    }))
})
