/**
 * Nothing is lost silently: when a peer ends with sends queued, every waiter
 * learns why; the outbound queue is bounded; a subscriber that does not keep
 * up is cut off without holding up the reader, pings, or anyone else.
 * A `MemorySocket` with a small capacity and a raw remote that stops reading
 * stand in for a remote that does not read.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import type { PeerError } from "../../src/peer/PeerError.js"
import * as Frame from "../../src/wire/Frame.js"
import { FRAME_OVERHEAD } from "../../src/internal/peer/Outbound.js"
import * as Message from "../../src/wire/Message.js"
import type * as Peer from "../../src/peer/Peer.js"
import { connectRaw, disconnectOf, params, payloadSize, polled, txInv } from "../support/peer.js"

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i)
const inv = (n: number) => Message.Inv.make({ inventory: [txInv(n)] })
const inv10 = Message.Inv.make({ inventory: range(10).map(txInv) })

/** Lets every fiber run until all wait (the test clock does not move). */
const quiesce = TestClock.adjust(Duration.zero)

/**
 * Fills the pipe to a remote that stopped reading: sends until a
 * `sendAndAwait` stays unresolved. Returns that fiber.
 */
const blockWriter = (peer: Peer.Peer) =>
  Effect.gen(function*() {
    const filler = yield* Effect.fork(Effect.forEach(range(5, 1000), (i) => peer.sendAndAwait(inv(i)), { discard: true }))
    yield* quiesce
    expect(yield* polled(filler)).toBeUndefined()
    return filler
  })

describe("a peer that ends with sends queued", () => {
  it.scoped("sendAndAwait does not resolve while the write is blocked", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound", {}, { capacity: 1 })
      yield* raw.pause
      const filler = yield* blockWriter(peer)
      const stats = yield* peer.stats
      expect(stats.queuedBytes).toBeGreaterThan(0)
      const writtenBefore = stats.sent["inv"]?.messages ?? 0
      expect(writtenBefore).toBeLessThan(5)
      yield* raw.resume
      yield* Fiber.join(filler)
      expect((yield* peer.stats).sent["inv"]?.messages).toBe(5)
      expect((yield* peer.stats).queuedBytes).toBe(0)
    }))

  it.scoped("disconnect fails every waiting sendAndAwait and pending request with the reason", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound", {}, { capacity: 1 })
      yield* raw.pause
      const filler = yield* blockWriter(peer)
      const waiters = yield* Effect.forEach(range(50), (i) => Effect.fork(Effect.either(peer.sendAndAwait(inv(i)))))
      const request = yield* Effect.fork(Effect.flip(peer.getHeaders([])))
      const ping = yield* Effect.fork(Effect.flip(peer.ping))
      yield* quiesce
      for (const w of waiters) expect(yield* polled(w)).toBeUndefined()

      yield* peer.disconnect("enough")
      const results = yield* Effect.forEach(waiters, Fiber.join)
      for (const r of results) {
        expect(Either.isLeft(r)).toBe(true)
        if (Either.isLeft(r)) expect(disconnectOf(r.left)).toMatchObject({ _tag: "LocalRequest", detail: "enough" })
      }
      expect(disconnectOf(yield* Effect.flip(Fiber.join(filler)))._tag).toBe("LocalRequest")
      expect(disconnectOf(yield* Fiber.join(request))._tag).toBe("LocalRequest")
      expect(disconnectOf(yield* Fiber.join(ping))._tag).toBe("LocalRequest")
      expect((yield* peer.stats).queuedBytes).toBe(0)
    }))

  it.scoped("the remote closing fails them too, with RemoteClosed", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("inbound", {}, { capacity: 1 })
      yield* raw.pause
      yield* blockWriter(peer)
      const waiters = yield* Effect.forEach(range(10), (i) => Effect.fork(Effect.flip(peer.sendAndAwait(inv(i)))))
      yield* quiesce
      yield* raw.close
      for (const w of waiters) expect(disconnectOf(yield* Fiber.join(w))._tag).toBe("RemoteClosed")
      expect((yield* peer.awaitDisconnect)._tag).toBe("RemoteClosed")
    }))
})

describe("the outbound queue bound", () => {
  it.scoped("sending past maxQueuedBytes to a remote that does not read → QueueOverflow, and queued waiters learn it", () =>
    Effect.gen(function*() {
      const limit = 4000
      const { peer, raw } = yield* connectRaw("outbound", { maxQueuedBytes: limit }, { capacity: 1 })
      yield* raw.pause
      const waiter = yield* Effect.fork(Effect.flip(peer.sendAndAwait(inv10)))
      let accepted = 0
      let failure: PeerError | undefined
      while (failure === undefined && accepted < 1000) {
        const r = yield* Effect.either(peer.send(inv10))
        if (Either.isLeft(r)) failure = r.left
        else accepted++
        yield* Effect.yieldNow()
      }
      // Each queued frame is charged its bytes and its bookkeeping.
      const frame = payloadSize(inv10) + Frame.HEADER_SIZE + FRAME_OVERHEAD
      // at most what fits, plus what the socket took before it stopped
      expect(accepted).toBeGreaterThanOrEqual(Math.floor(limit / frame) - 2)
      expect(accepted).toBeLessThan(Math.floor(limit / frame) + 4)
      const reason = disconnectOf(failure!)
      expect(reason).toMatchObject({ _tag: "QueueOverflow", limit })
      expect(reason._tag === "QueueOverflow" && reason.queuedBytes).toBeGreaterThan(limit)
      expect(reason._tag === "QueueOverflow" && reason.queuedBytes).toBeLessThanOrEqual(limit + frame)
      expect((yield* peer.awaitDisconnect)._tag).toBe("QueueOverflow")
      const waited = yield* Fiber.join(waiter).pipe(Effect.either)
      // the waiter was either written before the pipe filled, or learned why it was dropped
      if (Either.isRight(waited)) expect(disconnectOf(waited.right)._tag).toBe("QueueOverflow")
    }))

  it.scoped("with queueOverflow: \"fail-send\" only the send that does not fit fails (QueueFull); the rest arrive", () =>
    Effect.gen(function*() {
      const limit = 4000
      const { peer, raw } = yield* connectRaw("outbound", { maxQueuedBytes: limit, queueOverflow: "fail-send" }, { capacity: 1 })
      yield* raw.pause
      let accepted = 0
      let failure: PeerError | undefined
      while (failure === undefined && accepted < 1000) {
        const r = yield* Effect.either(peer.send(inv10))
        if (Either.isLeft(r)) failure = r.left
        else accepted++
      }
      expect(failure).toMatchObject({ reason: "QueueFull", command: "inv" })
      // The detail says what the bound compared: the charge with this message, against the limit.
      const [charged, of] = /^(\d+) charged of (\d+) /.exec(failure!.detail ?? "")!.slice(1).map(Number)
      expect(of).toBe(limit)
      expect(charged).toBeGreaterThan(limit)
      // a smaller message still fits, and the peer is still up
      yield* peer.send(Message.GetAddr.make({}))
      expect(yield* peer.disconnectReason).toBeUndefined()
      yield* raw.resume
      for (let i = 0; i < accepted; i++) expect((yield* raw.nextOf("Inv")).inventory.length).toBe(10)
      yield* raw.expect("GetAddr")
      yield* peer.sendAndAwait(inv10)
      expect((yield* raw.expect("Inv")).inventory.length).toBe(10)
      expect((yield* peer.stats).queuedBytes).toBe(0)
    }))
})

describe("a subscriber that does not keep up", () => {
  it.scoped("is cut off with SubscriberLagged; pings are answered and other subscribers get everything", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound", { subscriberBuffer: 10 })
      const slow = yield* peer.subscribe()
      const invs = yield* peer.subscribe("Inv")
      const everything = yield* peer.subscribe()
      const invsDone = yield* Effect.fork(Stream.runCollect(Stream.take(invs, 1000)))
      const everythingDone = yield* Effect.fork(Stream.runCollect(Stream.take(everything, 1020)))
      // the flood, as one write: 1,000 invs with a ping after every 50th
      const frames: Array<Uint8Array> = []
      for (let i = 0; i < 1000; i++) {
        frames.push(Frame.encode(params.magic, inv(i)))
        if (i % 50 === 49) frames.push(Frame.encode(params.magic, Message.Ping.make({ nonce: BigInt(i) })))
      }
      const flood = new Uint8Array(frames.reduce((n, f) => n + f.length, 0))
      frames.reduce((at, f) => (flood.set(f, at), at + f.length), 0)
      yield* raw.sendBytes(flood)

      const pongs: Array<bigint> = []
      for (let i = 0; i < 20; i++) pongs.push((yield* raw.nextOf("Pong")).nonce)
      expect(pongs).toEqual(range(20).map((i) => BigInt(i * 50 + 49)))

      const got = Chunk.toReadonlyArray(yield* Fiber.join(invsDone))
      expect(got.map((m) => m.inventory[0]!.hash[4]! + 256 * m.inventory[0]!.hash[3]!)).toEqual(range(1000))
      expect(Chunk.size(yield* Fiber.join(everythingDone))).toBe(1020)

      const slowGot = Chunk.toReadonlyArray(yield* Stream.runCollect(Stream.either(slow)))
      expect(slowGot.length).toBe(11)
      expect(slowGot.slice(0, 10).every(Either.isRight)).toBe(true)
      const last = slowGot[10]!
      expect(Either.isLeft(last) && last.left.reason).toBe("SubscriberLagged")
      expect(yield* peer.disconnectReason).toBeUndefined()
    }))
})
