/**
 * The connector's inbound policy under the `TestClock`, on an in-memory
 * network (any source address can be simulated): when slots are full a
 * newcomer evicts the youngest peer of the largest group, peers that relay
 * transactions are protected, a full group gives up its least useful peer,
 * connections that never handshake cannot hold slots, and the inbound
 * handshake deadline is shorter than the outbound one.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as TestClock from "effect/TestClock"
import * as Transport from "../../src/network/Transport.js"
import type { PeerEvent } from "../../src/network/Connector.js"
import { EVICTED } from "../../src/internal/network/connector.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { makeRaw, rawHandshake, type Raw, tx } from "../support/peer.js"
import { advanceUntil, collectEvents, dialRaw, START, startNode } from "../support/network.js"

const sim = <A, E, R>(self: Effect.Effect<A, E, R>, seed = "inbound") =>
  Effect.zipRight(TestClock.setTime(START), self).pipe(Effect.withRandom(Random.make(seed)))

const disconnects = (events: ReadonlyArray<PeerEvent>) =>
  events.filter((e): e is Extract<PeerEvent, { _tag: "Disconnected" }> => e._tag === "Disconnected")
const connects = (events: ReadonlyArray<PeerEvent>) => events.filter((e) => e._tag === "Connected")

const from = (host: string, port = 40000) => NetAddress.fromHost(host, port)!

type Node = Effect.Effect.Success<ReturnType<typeof startNode>>

/** Opens a raw inbound connection from `host` and completes the handshake; one simulated second apart. */
const joinFrom = (hub: Transport.MemoryHub, node: Node, host: string, port = 40000) =>
  Effect.gen(function*() {
    const raw = yield* makeRaw(yield* dialRaw(hub, node.key, from(host, port)))
    yield* rawHandshake(raw, "inbound")
    yield* TestClock.adjust("1 second")
    return raw
  })

const isClosed = (raw: Raw) => Deferred.isDone(raw.closed)

describe("Connector: inbound eviction", () => {
  it.scoped("with every slot held by one group, a newcomer from another group gets in and that group's youngest leaves", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0, maxInbound: 20, maxInboundPerGroup: 20 } })
      const events = yield* collectEvents(node)
      const attackers: Array<Raw> = []
      for (let i = 0; i < 20; i++) attackers.push(yield* joinFrom(hub, node, `9.9.0.${i + 1}`))
      yield* advanceUntil("all attackers connected", Effect.sync(() => connects(events).length === 20))

      const newcomer = yield* joinFrom(hub, node, "5.6.7.8")
      yield* advanceUntil("one evicted", Effect.sync(() => disconnects(events).length === 1))
      const gone = disconnects(events)[0]!
      expect(gone).toMatchObject({ remote: "9.9.0.20:40000", direction: "inbound", banned: false })
      expect(gone.reason).toMatchObject({ _tag: "LocalRequest", detail: EVICTED })
      expect(yield* isClosed(attackers[19]!)).toBe(true)
      expect(yield* isClosed(newcomer)).toBe(false)
      const peers = (yield* node.connector.peers).map((p) => p.remote)
      expect(peers).toHaveLength(20)
      expect(peers).toContain("5.6.7.8:40000")
    })))

  it.scoped("a peer that relays transactions is protected: the next youngest is evicted instead", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0, maxInbound: 20, maxInboundPerGroup: 20 } })
      const events = yield* collectEvents(node)
      const peers: Array<Raw> = []
      for (let i = 0; i < 20; i++) peers.push(yield* joinFrom(hub, node, `9.9.0.${i + 1}`))
      yield* advanceUntil("all connected", Effect.sync(() => connects(events).length === 20))
      // The youngest relays a transaction.
      yield* peers[19]!.send(tx(1))
      yield* TestClock.adjust("1 second")

      yield* joinFrom(hub, node, "5.6.7.8")
      yield* advanceUntil("one evicted", Effect.sync(() => disconnects(events).length === 1))
      expect(disconnects(events)[0]!.remote).toBe("9.9.0.19:40000")
      expect(yield* isClosed(peers[19]!)).toBe(false)
    })))

  it.scoped("connections that never handshake cannot keep a handshaking newcomer out", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0, maxInbound: 20, maxInboundPerGroup: 20 } })
      const events = yield* collectEvents(node)
      const silent: Array<Raw> = []
      for (let i = 0; i < 20; i++) {
        silent.push(yield* makeRaw(yield* dialRaw(hub, node.key, from(`9.9.0.${i + 1}`))))
        yield* TestClock.adjust("100 millis")
      }
      const newcomer = yield* joinFrom(hub, node, "5.6.7.8")
      yield* advanceUntil("newcomer connected", Effect.sync(() => connects(events).length === 1))
      expect(yield* isClosed(newcomer)).toBe(false)
      const closed = yield* Effect.filter(silent, isClosed)
      expect(closed.length).toBe(1)
      expect(closed[0]).toBe(silent[19])
      // The evicted connection never became a peer: it is reported as a failed handshake, evicted.
      const failed = events.filter((e) => e._tag === "HandshakeFailed")
      expect(failed.map((e) => [e.remote, e.direction, e.reason._tag, e.reason._tag === "LocalRequest" ? e.reason.detail : ""])).toEqual([
        ["9.9.0.20:40000", "inbound", "LocalRequest", EVICTED]
      ])
    })))
})

describe("Connector: per-group inbound cap", () => {
  it.scoped("a full group gives up its least useful peer to a newcomer of the same group; other groups are untouched", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0, maxInbound: 64, maxInboundPerGroup: 4 } })
      const events = yield* collectEvents(node)
      const outsider = yield* joinFrom(hub, node, "5.6.7.8")
      // Four loopback peers on distinct loopback hosts: one group ("local"), now full.
      const local: Array<Raw> = []
      for (let i = 0; i < 4; i++) local.push(yield* joinFrom(hub, node, `127.0.0.${i + 2}`))
      yield* advanceUntil("all connected", Effect.sync(() => connects(events).length === 5))
      // The oldest local peer relays a block-less tx: useful. Then two newcomers of the group arrive.
      yield* local[0]!.send(tx(2))
      yield* TestClock.adjust("1 second")
      yield* joinFrom(hub, node, "127.0.0.1", 50001)
      yield* joinFrom(hub, node, "127.0.0.1", 50002)
      yield* advanceUntil("two evicted", Effect.sync(() => disconnects(events).length === 2))
      expect(disconnects(events).map((e) => e.remote)).toEqual(["127.0.0.5:40000", "127.0.0.1:50001"])
      const peers = (yield* node.connector.peers).map((p) => p.remote).sort()
      expect(peers).toEqual(["127.0.0.1:50002", "127.0.0.2:40000", "127.0.0.3:40000", "127.0.0.4:40000", "5.6.7.8:40000"])
      expect(yield* isClosed(outsider)).toBe(false)
    })))
})

describe("Connector: inbound handshake deadline", () => {
  it.scoped("an inbound connection that never handshakes is closed at inboundHandshakeTimeout, before the outbound deadline", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0, inboundHandshakeTimeout: "5 seconds" as never } })
      const raw = yield* makeRaw(yield* dialRaw(hub, node.key, from("9.9.9.9")))
      yield* TestClock.adjust("4 seconds")
      expect(yield* isClosed(raw)).toBe(false)
      yield* TestClock.adjust("2 seconds")
      expect(yield* isClosed(raw)).toBe(true)
    })))
})

/** Garbage where a frame should be: no network magic (a `DecodeError`, misbehaviour). */
const GARBAGE = new Uint8Array(64).fill(0x42)

/** Connects from `host`, handshakes, sends garbage; returns the `Disconnected` event. */
const misbehaveFrom = (hub: Transport.MemoryHub, node: Node, events: Array<PeerEvent>, host: string) =>
  Effect.gen(function*() {
    const before = disconnects(events).length
    const raw = yield* joinFrom(hub, node, host)
    yield* raw.sendBytes(GARBAGE)
    yield* advanceUntil(`${host} disconnected`, Effect.sync(() => disconnects(events).length === before + 1))
    return disconnects(events)[before]!
  })

describe("Connector: ban policy", () => {
  it.scoped("a misbehaving local peer is disconnected, never banned: the next local client is served", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0 } })
      const events = yield* collectEvents(node)
      const gone = yield* misbehaveFrom(hub, node, events, "127.0.0.1")
      expect(gone).toMatchObject({ remote: "127.0.0.1:40000", banned: false, reason: { _tag: "DecodeError" } })
      expect(yield* node.book.isBanned(from("127.0.0.1"))).toBe(false)
      expect(yield* node.book.bans).toEqual([])
      const next = yield* joinFrom(hub, node, "127.0.0.1", 40001)
      yield* advanceUntil("next local client connected", Effect.sync(() => connects(events).length === 2))
      expect(yield* isClosed(next)).toBe(false)
    })))

  it.scoped("a remote peer is banned with its reason; a noBan range is exempt; unban lets the host back in", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0, noBan: ["10.1.0.0/16", "2001:db8::1"] } })
      const events = yield* collectEvents(node)

      const exempt = yield* misbehaveFrom(hub, node, events, "10.1.2.3")
      expect(exempt).toMatchObject({ banned: false, reason: { _tag: "DecodeError" } })
      expect(yield* node.book.isBanned(from("10.1.2.3"))).toBe(false)

      // Just outside the range: banned, with the reason recorded.
      const banned = yield* misbehaveFrom(hub, node, events, "10.2.0.1")
      expect(banned).toMatchObject({ banned: true, reason: { _tag: "DecodeError" } })
      const bans = yield* node.book.bans
      expect(bans.map((b) => NetAddress.hostToString(b))).toEqual(["10.2.0.1"])
      expect(bans[0]!.reason).toMatch(/^decode error/)
      const refused = yield* makeRaw(yield* dialRaw(hub, node.key, from("10.2.0.1", 40001)))
      yield* TestClock.adjust("1 second")
      expect(yield* isClosed(refused)).toBe(true)

      yield* node.book.unban(from("10.2.0.1"))
      yield* joinFrom(hub, node, "10.2.0.1", 40002)
      yield* advanceUntil("unbanned host served", Effect.map(node.connector.peers, (ps) => ps.some((p) => p.remote === "10.2.0.1:40002")))
    })))

  it.scoped("banLocal restores bans for local peers", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0, banLocal: true } })
      const events = yield* collectEvents(node)
      expect(yield* misbehaveFrom(hub, node, events, "127.0.0.1")).toMatchObject({ banned: true })
      expect(yield* node.book.isBanned(from("127.0.0.1"))).toBe(true)
    })))
})
