/**
 * Example: testing an app with the testing kit (`effect-bitcoin-p2p/testing`).
 *
 * The app, `watchBlocks`, follows one peer's best chain by headers: it
 * catches up with `getheaders` at start, then again whenever the peer
 * announces a block (`inv`, or `headers` after BIP-0130's `sendheaders`),
 * and reports each new tip. The tests play the peer with a `TestPeer` that
 * serves a `TestChain`. They run under `TestClock`: no sockets, no waiting,
 * the same result every time, a few milliseconds each.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Ref, Stream, TestClock } from "effect"
import { BlockHeader, ChainParams, Hash, InvVector, Message, type Peer } from "../src/index.js"
import { TestChain, TestPeer } from "../src/testing/index.js"

// --- the app ------------------------------------------------------------------

interface Tip {
  readonly height: number
  readonly hash: string
}

/** Follows `peer`'s chain from regtest genesis; calls `onTip` at each new tip. */
const watchBlocks = (peer: Peer.Peer, onTip: (tip: Tip) => Effect.Effect<void>) =>
  Effect.gen(function*() {
    const tip = yield* Ref.make({ height: 0, hash: ChainParams.regtest.genesisHash })
    // Ask for headers after our tip until the peer has no more (2,000 at most per answer).
    const catchUp = Effect.gen(function*() {
      for (;;) {
        const from = yield* Ref.get(tip)
        const { headers } = yield* peer.getHeaders([from.hash])
        if (headers.length === 0) return
        const last = headers[headers.length - 1]!
        const next = { height: from.height + headers.length, hash: BlockHeader.hash(last) }
        yield* Ref.set(tip, next)
        yield* onTip({ height: next.height, hash: Hash.toHex(next.hash) })
      }
    })
    yield* catchUp
    yield* peer.messages("Inv", "Headers").pipe(
      Stream.filter((m) => m._tag === "Headers" || m.inventory.some((i) => i.type === InvVector.InvType.Block)),
      Stream.runForEach(() => catchUp)
    )
  })

// --- its tests ----------------------------------------------------------------

describe("watchBlocks (example app)", () => {
  it.scoped("catches up with the peer's chain, then follows its announcements", () =>
    Effect.gen(function*() {
      let chain = TestChain.make({ length: 40, seed: "example" })
      const { peer, remote } = yield* TestPeer.connect({ version: { startHeight: chain.height } })
      // The scripted peer answers getheaders from whatever `chain` is now.
      yield* remote.respond("GetHeaders", (request) => chain.answerGetHeaders(request))
      const tips = yield* Ref.make<Array<Tip>>([])
      const app = yield* Effect.fork(watchBlocks(peer, (tip) => Ref.update(tips, (ts) => [...ts, tip])))

      // One answer brings it to the peer's tip: its next getheaders starts from there (and gets an empty answer).
      const askedFromTip = () => remote.expect("GetHeaders", (m) => Hash.equals(m.locator[0]!, chain.tip))
      yield* askedFromTip()
      expect(yield* Ref.get(tips)).toEqual([{ height: 40, hash: Hash.toHex(chain.tip) }])

      // Three blocks are mined; the peer announces the new tip by `inv`.
      chain = chain.extend(3)
      yield* remote.send(Message.Inv.make({ inventory: [{ type: InvVector.InvType.Block, hash: chain.tip }] }))
      yield* askedFromTip()
      expect((yield* Ref.get(tips)).at(-1)).toEqual({ height: 43, hash: Hash.toHex(chain.tip) })
      // It asked from its own tip, not from genesis.
      const asked = yield* remote.expect("GetHeaders", (m) => Hash.equals(m.locator[0]!, chain.hashes[40]!))
      expect(asked.locator.length).toBe(1)
      expect((yield* Ref.get(tips)).map((t) => t.height)).toEqual([40, 43])
      yield* Fiber.interrupt(app)
    }))

  it.scoped("fails when the peer announces a block and then stalls", () =>
    Effect.gen(function*() {
      let chain = TestChain.make({ length: 10 })
      const { peer, remote } = yield* TestPeer.connect()
      // Answers getheaders until it stalls.
      let stalled = false
      yield* remote.respond("GetHeaders", (request) => (stalled ? undefined : chain.answerGetHeaders(request)))
      const tips = yield* Ref.make<Array<number>>([])
      const app = yield* Effect.fork(watchBlocks(peer, (tip) => Ref.update(tips, (ts) => [...ts, tip.height])))
      // Synced: the answer with 10 headers, then an empty one.
      yield* remote.expect("GetHeaders")
      yield* remote.expect("GetHeaders", (m) => Hash.equals(m.locator[0]!, chain.tip))
      stalled = true
      chain = chain.extend(1)
      yield* remote.send(Message.Inv.make({ inventory: [{ type: InvVector.InvType.Block, hash: chain.tip }] }))
      yield* remote.expect("GetHeaders", (m) => Hash.equals(m.locator[0]!, chain.hashes[10]!))
      // A getheaders may take 90 s (its stall rule) of simulated time: the test moves the clock instead of waiting.
      yield* TestClock.adjust("89 seconds")
      expect((yield* Fiber.poll(app))._tag).toBe("None")
      yield* TestClock.adjust("2 seconds")
      const error = yield* Effect.flip(Fiber.join(app))
      expect(error._tag).toBe("PeerError")
      // Our peer gave up on it for that (the stall rule of getheaders), which ended the app's request.
      expect([error.reason, error.disconnect]).toEqual(["Disconnected", { _tag: "Stall", command: "getheaders" }])
      expect(yield* Ref.get(tips)).toEqual([10])
    }))
})
