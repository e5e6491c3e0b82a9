/**
 * `TestPeer`: a scripted remote that our own `Peer` handshakes with, or
 * fails to on purpose, and that records, expects, answers and hangs up.
 * Everything runs over `MemorySocket` under `TestClock`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as Peer from "../../src/peer/Peer.js"
import * as PeerConfig from "../../src/peer/PeerConfig.js"
import * as BlockHeader from "../../src/wire/BlockHeader.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Hash from "../../src/wire/Hash.js"
import * as InvVector from "../../src/wire/InvVector.js"
import * as Message from "../../src/wire/Message.js"
import * as TestChain from "../../src/testing/TestChain.js"
import * as TestPeer from "../../src/testing/TestPeer.js"

const config = (overrides: Partial<PeerConfig.PeerConfigShape> = {}) => ({
  params: ChainParams.regtest,
  nonceRegistry: PeerConfig.makeNonceRegistry(),
  ...overrides
})

/** Starts our peer on the scripted peer's socket; the handshake is left to the test. */
const startPeer = (remote: TestPeer.TestPeer, direction: Peer.Direction = "outbound", overrides = {}) =>
  Peer.start(remote.socket, { direction, config: config(overrides) })

describe("TestPeer", () => {
  it.scoped("completes the handshake with the version fields it is given", () =>
    Effect.gen(function*() {
      const { peer, remote } = yield* TestPeer.connect({
        version: { services: 0x409n, userAgent: "/Satoshi:27.0.0/", startHeight: 812_345, version: 70015, relay: false }
      })
      expect(peer.info).toMatchObject({
        services: 0x409n,
        userAgent: "/Satoshi:27.0.0/",
        startHeight: 812_345,
        version: 70015,
        negotiatedVersion: 70015,
        relay: false,
        nonce: remote.version.nonce
      })
      // The remote saw our version and verack, then what a peer sends after the handshake.
      const theirs = yield* remote.handshake
      expect(theirs.userAgent).toBe(PeerConfig.userAgent(PeerConfig.defaults))
      expect((yield* remote.expect("SendHeaders"))._tag).toBe("SendHeaders")
      const tags = (yield* remote.received).map((m) => m._tag)
      expect(tags.slice(0, 1)).toEqual(["Version"])
      expect(tags).toContain("Verack")
    }))

  it.scoped("speaks first against an inbound peer, and sends what comes between version and verack", () =>
    Effect.gen(function*() {
      const { peer, remote } = yield* TestPeer.connect({
        direction: "inbound",
        beforeVerack: [Message.WtxidRelay.make({}), Message.SendAddrV2.make({})]
      })
      expect(peer.direction).toBe("inbound")
      expect(peer.info.nonce).toBe(remote.version.nonce)
      yield* remote.expect("SendHeaders")
    }))

  it.scoped("without a verack, our peer gives up at its handshake timeout (simulated)", () =>
    Effect.gen(function*() {
      const remote = yield* TestPeer.make({ handshake: "no-verack" })
      const peer = yield* startPeer(remote, "outbound", { handshakeTimeout: "5 seconds" })
      yield* remote.expect("Version")
      yield* TestClock.adjust("4 seconds")
      expect(yield* Fiber.poll(yield* Effect.fork(peer.awaitDisconnect)).pipe(Effect.map(Option.isNone))).toBe(true)
      yield* TestClock.adjust("2 seconds")
      expect((yield* peer.awaitDisconnect)._tag).toBe("HandshakeTimeout")
      yield* remote.closed
      // It did send its version, and never a verack.
      expect(yield* remote.isClosed).toBe(true)
    }))

  it.scoped("a silent remote and a delayed one: the delay counts on the TestClock", () =>
    Effect.gen(function*() {
      const silent = yield* TestPeer.make({ handshake: "silent" })
      const a = yield* startPeer(silent, "outbound", { handshakeTimeout: "10 seconds" })
      const slow = yield* TestPeer.make({ delay: "8 seconds" })
      const b = yield* startPeer(slow, "outbound", { handshakeTimeout: "10 seconds" })
      const handshakeB = yield* Effect.fork(b.handshake)
      yield* TestClock.adjust("9 seconds")
      expect((yield* Fiber.join(handshakeB)).userAgent).toBe("/TestPeer:0.1.0/")
      yield* TestClock.adjust("2 seconds")
      expect((yield* a.awaitDisconnect)._tag).toBe("HandshakeTimeout")
      expect(yield* Fiber.poll(yield* Effect.fork(b.awaitDisconnect)).pipe(Effect.map(Option.isNone))).toBe(true)
    }))

  it.scoped("garbage instead of a version: our peer disconnects with a decode error", () =>
    Effect.gen(function*() {
      const remote = yield* TestPeer.make({ handshake: { garbage: new Uint8Array(24).fill(0xee) } })
      const peer = yield* startPeer(remote)
      const reason = yield* peer.awaitDisconnect
      expect(reason._tag).toBe("DecodeError")
      yield* remote.closed
    }))

  it.scoped("manual: nothing automatic, the test writes the handshake", () =>
    Effect.gen(function*() {
      const remote = yield* TestPeer.make({ handshake: "manual", answerPings: false })
      const peer = yield* startPeer(remote, "outbound")
      const theirs = yield* remote.expect("Version")
      expect(theirs.startHeight).toBe(0)
      yield* remote.send(TestPeer.versionMessage({ startHeight: 7 }))
      yield* remote.send(Message.Verack.make({}))
      yield* remote.expect("Verack")
      expect((yield* peer.handshake).startHeight).toBe(7)
    }))

  it.scoped("expect: oldest match first, predicates, a timeout on the TestClock, and Closed", () =>
    Effect.gen(function*() {
      const { peer, remote } = yield* TestPeer.connect()
      const inv = (n: number) => Message.Inv.make({ inventory: [{ type: InvVector.InvType.Tx, hash: new Uint8Array(32).fill(n) }] })
      yield* peer.send(inv(1))
      yield* peer.send(inv(2))
      yield* peer.send(inv(3))
      const second = yield* remote.expect("Inv", (m) => m.inventory[0]!.hash[0] === 2)
      expect(second.inventory[0]!.hash[0]).toBe(2)
      expect((yield* remote.expect("Inv")).inventory[0]!.hash[0]).toBe(1)
      expect((yield* remote.expect("Inv")).inventory[0]!.hash[0]).toBe(3)
      // Nothing more: the wait ends when simulated time passes its timeout, not before.
      const waiting = yield* Effect.fork(Effect.flip(remote.expect("Inv", undefined, { timeout: "30 seconds" })))
      yield* TestClock.adjust("29 seconds")
      expect(Option.isNone(yield* Fiber.poll(waiting))).toBe(true)
      yield* TestClock.adjust("1 second")
      const timedOut = yield* Fiber.join(waiting)
      expect(timedOut.reason).toBe("Timeout")
      expect(timedOut.expected).toBe("Inv")
      // Our peer closes: a waiter learns at once.
      const closing = yield* Effect.fork(Effect.flip(remote.expect("Tx")))
      yield* peer.disconnect("done")
      expect((yield* Fiber.join(closing)).reason).toBe("Closed")
    }))

  it.scoped("answers pings by itself and replies by rule: headers from a chain, blocks by getdata", () =>
    Effect.gen(function*() {
      const chain = TestChain.make({ length: 30 })
      const { peer, remote } = yield* TestPeer.connect({ version: { startHeight: chain.height } })
      yield* remote.respond("GetHeaders", chain.answerGetHeaders)
      yield* remote.respond("GetData", chain.serve)
      yield* peer.ping
      const { headers } = yield* peer.getHeaders(chain.locator(0))
      expect(headers.map((h) => Hash.toHex(BlockHeader.hash(h)))).toEqual(chain.hashes.slice(1).map(Hash.toHex))
      const reply = yield* peer.getData({ type: InvVector.InvType.WitnessBlock, hash: chain.hashes[5]! })
      expect(reply._tag === "Block" && Hash.equals(BlockHeader.hash(reply.header), chain.hashes[5]!)).toBe(true)
      // The requests are recorded too.
      expect((yield* remote.expect("GetHeaders")).locator.map(Hash.toHex)).toEqual([Hash.toHex(chain.hashes[0]!)])
      // A rule can be replaced, and can answer with an effect.
      yield* remote.respond("Ping", () => Effect.succeed(undefined))
      const unanswered = yield* Effect.fork(
        peer.request(Message.Ping.make({ nonce: 9n }), (m) => (m._tag === "Pong" ? m : undefined), { timeout: "5 seconds" })
      )
      yield* remote.expect("Ping", (m) => m.nonce === 9n)
      yield* TestClock.adjust("6 seconds")
      const exit = yield* Fiber.await(unanswered)
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error.reason).toBe("RequestTimeout")
    }))

  it.scoped("sends raw bytes and hangs up", () =>
    Effect.gen(function*() {
      const { peer, remote } = yield* TestPeer.connect()
      yield* remote.sendBytes(Uint8Array.of(0xde, 0xad))
      yield* remote.disconnect
      expect((yield* peer.awaitDisconnect)._tag).toBe("RemoteClosed")
      expect((yield* Effect.flip(remote.send(Message.Verack.make({})))).reason).toBe("Closed")
      expect(Option.isNone(yield* remote.decodeError)).toBe(true)
    }))
})
