/**
 * Every timer of a peer, driven by the `TestClock` against a raw remote over
 * a `MemorySocket`: nothing here waits in real time. Each timeout is checked
 * on both sides of its deadline.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/TestClock"
import * as Message from "../../src/wire/Message.js"
import type * as Peer from "../../src/peer/Peer.js"
import {
  blockInv,
  connectRaw,
  disconnectOf,
  headersMessage,
  polled,
  type Raw,
  rawHandshake,
  tx,
  txInv,
  withRaw
} from "../support/peer.js"

/** Moves the test clock to `millis` after its start (the peers here connect at 0). */
const at = (millis: number) =>
  Effect.flatMap(TestClock.currentTimeMillis, (now) => TestClock.adjust(Duration.millis(millis - now)))

const seconds = (s: number) => s * 1000
const minutes = (m: number) => m * 60_000

/** No stall ticks (they would only slow the clock down) where stalls are not the subject. */
const quiet = { stallTickInterval: Duration.hours(1) }

const stillConnected = (peer: Peer.Peer) => Effect.map(peer.disconnectReason, (r) => expect(r).toBeUndefined())

const commandsOf = (raw: Raw) => Effect.map(raw.drain, (rs) => rs.map((r) => r.command))

describe("handshake timeout", () => {
  it.scoped("a remote that never answers our version → HandshakeTimeout at handshakeTimeout, not before", () =>
    Effect.gen(function*() {
      const { make, raw } = yield* withRaw("outbound")
      yield* raw.expect("Version")
      yield* at(seconds(30) - 1)
      expect(yield* polled(make)).toBeUndefined()
      yield* at(seconds(30))
      const exit = yield* polled(make)
      expect(exit && Exit.isFailure(exit)).toBe(true)
      const error = yield* Effect.flip(make.await.pipe(Effect.flatten))
      expect(disconnectOf(error)._tag).toBe("HandshakeTimeout")
    }))

  it.scoped("an inbound peer whose remote sends version but never verack; the timeout is config", () =>
    Effect.gen(function*() {
      const { make, raw } = yield* withRaw("inbound", { handshakeTimeout: Duration.seconds(5) })
      yield* raw.send(Message.Version.make({ ...(yield* versionOf(raw)) }))
      yield* raw.nextOf("Verack")
      yield* at(seconds(5) - 1)
      expect(yield* polled(make)).toBeUndefined()
      yield* at(seconds(5))
      expect(disconnectOf(yield* Effect.flip(Effect.flatten(make.await)))._tag).toBe("HandshakeTimeout")
    }))

  it.scoped("a completed handshake is not timed out later", () =>
    Effect.gen(function*() {
      const { peer } = yield* connectRaw("outbound", {}, { autoPong: true })
      yield* at(minutes(1))
      yield* stillConnected(peer)
    }))
})

const versionOf = (raw: Raw) =>
  Effect.sync(() => ({
    version: 70016,
    services: 0n,
    timestamp: 0n,
    addrRecv: { services: 0n, network: 1, address: new Uint8Array(4), port: 0 },
    addrFrom: { services: 0n, network: 1, address: new Uint8Array(4), port: 0 },
    nonce: raw.nonce,
    userAgent: "/raw/",
    startHeight: 0,
    relay: true
  }))

describe("keep-alive", () => {
  it.scoped("pings on schedule: the first ping after 2 minutes, the next 2 minutes after its pong", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound", {}, { autoPong: true })
      yield* at(minutes(2) - 1)
      expect(yield* commandsOf(raw)).toEqual([])
      yield* at(minutes(2))
      const first = yield* raw.expect("Ping")
      yield* at(minutes(4) - 1)
      expect(yield* commandsOf(raw)).toEqual([])
      yield* at(minutes(4))
      const second = yield* raw.expect("Ping")
      expect(second.nonce).not.toBe(first.nonce)
      const stats = yield* peer.stats
      expect(stats.received["pong"]?.messages).toBe(2)
      expect(stats.lastPingMillis).toBe(0)
      yield* stillConnected(peer)
    }))

  it.scoped("the ping schedule is config", () =>
    Effect.gen(function*() {
      const { raw } = yield* connectRaw("inbound", { pingSchedule: Schedule.spaced(Duration.seconds(10)) }, { autoPong: true })
      yield* at(seconds(10) - 1)
      expect(yield* commandsOf(raw)).toEqual([])
      yield* at(seconds(10))
      yield* raw.expect("Ping")
    }))

  it.scoped("the round trip is measured on our clock: lastPingMillis / minPingMillis", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound")
      const answerAfter = (millis: number) =>
        Effect.gen(function*() {
          const pinging = yield* Effect.fork(peer.ping)
          const { nonce } = yield* raw.expect("Ping")
          yield* TestClock.adjust(Duration.millis(millis))
          yield* raw.send(Message.Pong.make({ nonce }))
          return Duration.toMillis(yield* pinging.await.pipe(Effect.flatten))
        })
      expect(yield* answerAfter(250)).toBe(250)
      expect(yield* answerAfter(100)).toBe(100)
      expect(yield* answerAfter(300)).toBe(300)
      const stats = yield* peer.stats
      expect(stats.lastPingMillis).toBe(300)
      expect(stats.minPingMillis).toBe(100)
    }))

  it.scoped("a pong with the wrong nonce does not count", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound")
      const pinging = yield* Effect.fork(peer.ping)
      const { nonce } = yield* raw.expect("Ping")
      yield* raw.send(Message.Pong.make({ nonce: nonce + 1n }))
      yield* TestClock.adjust(Duration.millis(40))
      expect(yield* polled(pinging)).toBeUndefined()
      yield* raw.send(Message.Pong.make({ nonce }))
      expect(Duration.toMillis(yield* Effect.flatten(pinging.await))).toBe(40)
    }))

  it.scoped("a remote that never pongs → PingTimeout(nonce) pongTimeout after the ping", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound", { idleTimeout: Duration.hours(1), ...quiet })
      yield* at(minutes(2))
      const { nonce } = yield* raw.expect("Ping")
      yield* at(minutes(2) + minutes(20) - 1)
      yield* stillConnected(peer)
      yield* at(minutes(22))
      expect(yield* peer.awaitDisconnect).toMatchObject({ _tag: "PingTimeout", nonce })
    }))

  it.scoped("nothing received for 5 minutes → IdleTimeout", () =>
    Effect.gen(function*() {
      // the remote never pongs, and the pong timeout is longer than the idle timeout
      const { peer } = yield* connectRaw("inbound", quiet)
      yield* at(minutes(5) - 1)
      yield* stillConnected(peer)
      yield* at(minutes(5))
      expect((yield* peer.awaitDisconnect)._tag).toBe("IdleTimeout")
    }))

  it.scoped("a message received in between pushes the idle timeout back", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound", quiet)
      yield* at(minutes(3))
      yield* raw.send(Message.Inv.make({ inventory: [txInv(1)] }))
      yield* at(minutes(5))
      yield* stillConnected(peer)
      yield* at(minutes(8) - 1)
      yield* stillConnected(peer)
      yield* at(minutes(8))
      expect((yield* peer.awaitDisconnect)._tag).toBe("IdleTimeout")
    }))
})

describe("stall detection", () => {
  it.scoped("getheaders without a reply → Stall(getheaders) after its 90 s rule and a tick, not after 30 s", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound", {}, { autoPong: true })
      yield* at(seconds(1))
      yield* peer.send(Message.GetHeaders.make({ version: 70016, locator: [], stopHash: new Uint8Array(32) }))
      yield* raw.expect("GetHeaders")
      yield* at(seconds(46))
      yield* stillConnected(peer)
      yield* at(seconds(91) - 1)
      yield* stillConnected(peer)
      // deadline 91 s; the watcher ticks every 15 s (at 105 s)
      yield* at(seconds(91 + 15))
      expect(yield* peer.awaitDisconnect).toMatchObject({ _tag: "Stall", command: "getheaders" })
    }))

  it.scoped("a headers reply clears the deadline", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound", {}, { autoPong: true })
      yield* at(seconds(1))
      yield* peer.send(Message.GetHeaders.make({ version: 70016, locator: [], stopHash: new Uint8Array(32) }))
      yield* raw.expect("GetHeaders")
      yield* at(seconds(60))
      yield* raw.send(headersMessage(1))
      yield* at(minutes(3))
      yield* stillConnected(peer)
    }))

  it.scoped("a request still waiting when the peer stalls fails with the Stall", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound", {}, { autoPong: true })
      yield* at(seconds(1))
      const pending = yield* Effect.fork(Effect.flip(peer.request(
        Message.GetHeaders.make({ version: 70016, locator: [], stopHash: new Uint8Array(32) }),
        (m) => (m._tag === "Headers" ? m : undefined),
        { timeout: Duration.minutes(10) }
      )))
      yield* raw.expect("GetHeaders")
      yield* at(seconds(91) - 1)
      expect(yield* polled(pending)).toBeUndefined()
      yield* at(seconds(106))
      expect(disconnectOf(yield* Effect.flatten(pending.await))).toMatchObject({ _tag: "Stall", command: "getheaders" })
    }))

  const getData3 = Message.GetData.make({ inventory: [txInv(1), txInv(2), txInv(3)] })

  it.scoped("getdata of 3 items with only 2 replies → Stall(getdata)", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound", {}, { autoPong: true })
      yield* at(seconds(1))
      yield* peer.send(getData3)
      yield* raw.expect("GetData")
      yield* raw.send(tx(1))
      yield* raw.send(tx(2))
      yield* at(seconds(31) - 1)
      yield* stillConnected(peer)
      yield* at(seconds(45))
      expect(yield* peer.awaitDisconnect).toMatchObject({ _tag: "Stall", command: "getdata" })
    }))

  for (
    const [name, replies] of [
      ["3 replies", [tx(1), tx(2), tx(3)]],
      ["2 replies and a notfound", [tx(1), tx(2), Message.NotFound.make({ inventory: [txInv(3)] })]],
      ["one notfound of all 3", [Message.NotFound.make({ inventory: [txInv(1), txInv(2), txInv(3)] })]]
    ] as const
  ) {
    it.scoped(`getdata of 3 items answered by ${name} → no stall`, () =>
      Effect.gen(function*() {
        const { peer, raw } = yield* connectRaw("outbound", {}, { autoPong: true })
        yield* at(seconds(1))
        yield* peer.send(getData3)
        yield* raw.expect("GetData")
        for (const r of replies) yield* raw.send(r)
        yield* at(minutes(3))
        yield* stillConnected(peer)
      }))
  }

  it.scoped("messages without a stall rule never stall", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound", {}, { autoPong: true })
      yield* peer.send(Message.GetAddr.make({}))
      yield* raw.expect("GetAddr")
      yield* at(minutes(3))
      yield* stillConnected(peer)
    }))
})

describe("inventory trickle", () => {
  const trickle = { trickleSchedule: Schedule.spaced(Duration.seconds(10)), maxInvPerBatch: 3 }
  const invsOf = (raw: Raw) =>
    Effect.map(raw.drain, (rs) =>
      rs.map((r) => {
        if (r.message._tag !== "Inv") throw new Error(`expected inv, got ${r.command}`)
        return r.message.inventory.map((v) => v.hash[4]!)
      }))

  it.scoped("queued tx inventory goes out only at the trickle tick, in batches of maxInvPerBatch", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound", trickle, { autoPong: true })
      yield* peer.queueInventory([1, 2, 3, 4, 5, 6, 7].map(txInv))
      yield* at(seconds(10) - 1)
      expect(yield* raw.drain).toEqual([])
      yield* at(seconds(10))
      expect(yield* invsOf(raw)).toEqual([[1, 2, 3], [4, 5, 6], [7]])
      // nothing left for the next tick
      yield* at(seconds(20))
      expect(yield* raw.drain).toEqual([])
    }))

  it.scoped("inventory the remote announced, or that we already sent, is not announced (again)", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound", trickle, { autoPong: true })
      yield* raw.send(Message.Inv.make({ inventory: [txInv(1), txInv(2)] }))
      // a ping round trip: the peer has read the inv
      yield* peer.ping
      yield* raw.drain
      yield* peer.queueInventory([txInv(1), txInv(3)])
      yield* at(seconds(10))
      expect(yield* invsOf(raw)).toEqual([[3]])
      yield* peer.queueInventory([txInv(2), txInv(3), txInv(4)])
      yield* at(seconds(20))
      expect(yield* invsOf(raw)).toEqual([[4]])
    }))

  it.scoped("block inventory goes out at once, without waiting for the tick, and only once", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound", trickle, { autoPong: true })
      yield* peer.queueInventory([txInv(1), blockInv(9)])
      const now = yield* raw.expect("Inv")
      expect(now.inventory.map((v) => v.type)).toEqual([2])
      expect(now.inventory[0]!.hash[4]).toBe(9)
      yield* peer.queueInventory([blockInv(9)])
      yield* at(seconds(10))
      expect(yield* invsOf(raw)).toEqual([[1]])
    }))

  it.scoped("the default trickle (10 s, jittered) flushes between 8 and 12 s", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound", {}, { autoPong: true })
      yield* peer.queueInventory([txInv(1)])
      yield* at(seconds(8) - 1)
      expect(yield* raw.drain).toEqual([])
      yield* at(seconds(12))
      expect(yield* invsOf(raw)).toEqual([[1]])
    }))
})

describe("raw helper sanity", () => {
  it.scoped("the handshake itself takes no time on the test clock", () =>
    Effect.gen(function*() {
      const { make, raw } = yield* withRaw("inbound")
      yield* rawHandshake(raw, "inbound")
      const peer = yield* Effect.flatten(make.await)
      expect((yield* peer.stats).connectedAt).toBe(0)
    }))
})
