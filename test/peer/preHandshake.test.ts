/**
 * What a peer holds for a remote is bounded in bytes: before the handshake by
 * a per-peer bound and a budget shared by the peers of one node
 * (`maxPreHandshakeBytes`, `preHandshakeBudget`: `PreHandshakeOverflow`), and
 * after it by each subscriber's byte bound (`subscriberBufferBytes`:
 * `SubscriberLagged`), while a maximum-size message is still delivered.
 * In memory, under the TestClock.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Frame from "../../src/wire/Frame.js"
import * as Message from "../../src/wire/Message.js"
import * as PeerConfig from "../../src/peer/PeerConfig.js"
import { connectRaw, disconnectOf, makeFailure, params, rawHandshake, withRaw } from "../support/peer.js"

const KiB = 1024
/** An unknown message of `payload` bytes (any command is allowed before `version`, and kept). */
const junk = (payload: number, command = "junk") => Frame.encodeRaw(params.magic, command, new Uint8Array(payload).fill(7))

describe("before the handshake", () => {
  it.scoped("unknown messages before version past the per-peer bound → PreHandshakeOverflow(peer), and the shared budget is given back", () =>
    Effect.gen(function*() {
      const budget = PeerConfig.makeByteBudget(4 * 1024 * KiB)
      const { make, raw } = yield* withRaw("inbound", { preHandshakeBudget: budget })
      // 3 × 20 KiB held (an inbox subscribed before the handshake keeps them): under 64 KiB.
      for (let i = 0; i < 3; i++) yield* raw.sendBytes(junk(20 * KiB))
      yield* Effect.yieldNow()
      expect(Option.isNone(yield* Fiber.poll(make))).toBe(true)
      expect(budget.used).toBe(3 * (20 * KiB + 24))
      yield* raw.sendBytes(junk(20 * KiB))
      const reason = disconnectOf(yield* makeFailure(make))
      expect(reason).toMatchObject({ _tag: "PreHandshakeOverflow", scope: "peer", limit: 64 * KiB })
      expect(budget.used).toBe(0)
    }))

  it.scoped("a frame announcing 4 MB before version is cut off once 64 KiB of it arrived, not held whole", () =>
    Effect.gen(function*() {
      const { make, raw } = yield* withRaw("inbound")
      const header = Frame.encodeRaw(params.magic, "junk", new Uint8Array(0))
      new DataView(header.buffer).setUint32(16, 4_000_000, true)
      yield* raw.sendBytes(header)
      yield* raw.sendBytes(new Uint8Array(60 * KiB))
      yield* Effect.yieldNow()
      expect(Option.isNone(yield* Fiber.poll(make))).toBe(true)
      yield* raw.sendBytes(new Uint8Array(8 * KiB))
      const reason = disconnectOf(yield* makeFailure(make))
      expect(reason).toMatchObject({ _tag: "PreHandshakeOverflow", scope: "peer" })
      if (reason._tag === "PreHandshakeOverflow") expect(reason.heldBytes).toBeGreaterThan(64 * KiB)
    }))

  it.scoped("between version and verack the same bound holds", () =>
    Effect.gen(function*() {
      const { make, raw } = yield* withRaw("inbound")
      yield* raw.send(Message.Version.make({ ...(yield* versionOf(raw)) }))
      for (let i = 0; i < 4; i++) yield* raw.sendBytes(junk(20 * KiB))
      expect(disconnectOf(yield* makeFailure(make))).toMatchObject({ _tag: "PreHandshakeOverflow", scope: "peer" })
    }))

  it.scoped("peers sharing a budget: past it the one holding more than 8 KiB goes (scope all), an honest handshake still completes", () =>
    Effect.gen(function*() {
      const budget = PeerConfig.makeByteBudget(100 * KiB)
      const a = yield* withRaw("inbound", { preHandshakeBudget: budget })
      yield* a.raw.sendBytes(junk(60 * KiB))
      yield* Effect.yieldNow()
      expect(budget.used).toBe(60 * KiB + 24)
      const b = yield* withRaw("inbound", { preHandshakeBudget: budget })
      yield* b.raw.sendBytes(junk(50 * KiB))
      expect(disconnectOf(yield* makeFailure(b.make))).toMatchObject({ _tag: "PreHandshakeOverflow", scope: "all", limit: 100 * KiB })
      expect(budget.used).toBe(60 * KiB + 24)
      // An honest peer's version and verack fit in the guaranteed 8 KiB even past the budget.
      const c = yield* withRaw("inbound", { preHandshakeBudget: PeerConfig.makeByteBudget(0) })
      yield* rawHandshake(c.raw, "inbound")
      const peer = yield* Fiber.join(c.make)
      expect(peer.info.userAgent).toBe("/raw:0.0.1/")
      // a's bytes stay charged while it waits, and are given back when it ends.
      expect(budget.used).toBe(60 * KiB + 24)
      yield* a.raw.close
      expect(disconnectOf(yield* makeFailure(a.make))._tag).toBe("RemoteClosed")
      expect(budget.used).toBe(0)
    }))

  it.scoped("after the handshake nothing counts: a 4 MB message reaches a subscriber", () =>
    Effect.gen(function*() {
      const budget = PeerConfig.makeByteBudget(100 * KiB)
      const { peer, raw } = yield* connectRaw("outbound", { preHandshakeBudget: budget })
      expect(budget.used).toBe(0)
      const messages = yield* peer.subscribe("Unknown")
      const size = params.maxMessageSize - 1000
      yield* raw.sendBytes(junk(size, "bigjunk"))
      const got = yield* Stream.runHead(messages)
      expect(got._tag).toBe("Some")
      if (got._tag === "Some" && got.value._tag === "Unknown") expect(got.value.payload.length).toBe(size)
      expect(budget.used).toBe(0)
    }))
})

describe("subscriber buffers are bounded in bytes", () => {
  it.scoped("a subscriber that takes nothing is cut off past subscriberBufferBytes, after what it was given", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound", { subscriberBufferBytes: 10_000 })
      const messages = yield* peer.subscribe("Unknown")
      for (let i = 0; i < 3; i++) yield* raw.sendBytes(junk(4000))
      yield* peer.ping.pipe(Effect.fork)
      yield* raw.nextOf("Ping")
      // The two that fitted (8,048 bytes) are delivered first, then the stream fails.
      const got = Chunk.toReadonlyArray(yield* Stream.runCollect(Stream.either(messages)))
      expect(got.map((e) => e._tag)).toEqual(["Right", "Right", "Left"])
      const last = got[2]!
      if (last._tag === "Left") expect(last.left.reason).toBe("SubscriberLagged")
      expect(yield* peer.disconnectReason).toBeUndefined()
    }))

  it.scoped("a subscriber that keeps up is never cut off: what it took no longer counts", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound", { subscriberBufferBytes: 10_000 })
      const messages = yield* peer.subscribe("Unknown")
      const pull = yield* Stream.toPull(messages)
      for (let i = 0; i < 20; i++) {
        yield* raw.sendBytes(junk(4000))
        const chunk = yield* pull
        expect(chunk.length).toBe(1)
      }
      expect(yield* peer.disconnectReason).toBeUndefined()
    }))
})

const versionOf = (raw: { readonly nonce: bigint }) =>
  Effect.sync(() => ({
    version: 70016,
    services: 0n,
    timestamp: 0n,
    addrRecv: { services: 0n, network: 1, address: new Uint8Array(4), port: 0 },
    addrFrom: { services: 0n, network: 1, address: new Uint8Array(4), port: 0 },
    nonce: raw.nonce,
    userAgent: "/raw:0.0.1/",
    startHeight: 0,
    relay: true
  }) as const)
