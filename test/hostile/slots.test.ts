/**
 * Inbound slots over real loopback TCP (issue 12, finding 2): the network
 * layer listens on 127.0.0.1 and raw clients bind distinct source addresses
 * in 127.0.0.0/8 (Linux routes the whole /8 to loopback). The connector puts
 * every loopback address in one inbound group, as it must for local proxies;
 * to give the clients network groups as hosts on the Internet have, the
 * listener's transport is `loopbackAsPublic` (127.a.b.c seen as 11.a.b.c, so
 * 127.1.x.x is one /16 group and 127.2.x.x another). The policy itself is
 * pinned under the TestClock in test/network/Connector.inbound.test.ts; here
 * the same outcomes hold over sockets. Live clock, conditions awaited under
 * generous deadlines, never timed.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Connector from "../../src/network/Connector.js"
import { EVICTED } from "../../src/internal/network/connector.js"
import * as Message from "../../src/wire/Message.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { tx } from "../support/peer.js"
import { listenNetwork, loopbackAsPublic, type Raw, rawClient } from "../support/tcp.js"

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)

/** A raw client from `host` that completes the handshake; returns it with the `Connected` event's remote. */
const join = (network: { readonly port: number; readonly next: (tag: "Connected") => Effect.Effect<Extract<Connector.PeerEvent, { _tag: "Connected" }>> }, host: string) =>
  Effect.gen(function*() {
    const raw = yield* rawClient(network.port, host)
    yield* promise(() => raw.handshakeAsOutbound())
    const connected = yield* network.next("Connected")
    return { raw, remote: connected.peer.remote }
  })

/** Host of a `host:port` remote. */
const hostOf = (remote: string) => remote.slice(0, remote.lastIndexOf(":"))

/** Waits (polling every 20 ms, up to 20 s) until `done` holds. */
const eventually = (what: string, done: () => boolean) =>
  Effect.suspend(() => (done() ? Effect.void : Effect.fail(what))).pipe(
    Effect.retry(Schedule.spaced("20 millis")),
    Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => new Error(`not within 20 s: ${what}`) }),
    Effect.orDie
  )

const evictions = (events: ReadonlyArray<Connector.PeerEvent>) =>
  events.filter((e): e is Extract<Connector.PeerEvent, { _tag: "Disconnected" }> => e._tag === "Disconnected")

/** Some routable addresses for the book, so that a `getaddr` gets an answer. */
const seeds = Array.from({ length: 8 }, (_, i) => ({ ...NetAddress.fromHost(`${30 + i}.1.2.3`, 8333)!, time: Math.floor(Date.now() / 1000) }))

describe("over loopback TCP: inbound eviction across network groups", () => {
  it.scopedLive(
    "24 slots full (16 from one /16, 5 and 3 from two others): a newcomer from a fourth group gets a slot; the victim is the youngest of the largest group that did not relay a transaction",
    () =>
      Effect.gen(function*() {
        // 24 slots: Core's protections (4 by group, 8 by ping, 4 by transactions, 4 by blocks, half
        // of the rest by uptime) cover 20 peers; with fewer slots nobody is ever evicted.
        const network = yield* listenNetwork({ maxInbound: 24, maxInboundPerGroup: 24, inboundHandshakeTimeout: Duration.minutes(1) }, loopbackAsPublic())
        yield* network.book.add(seeds, "user")
        // Oldest first: the two small groups, then the large one.
        const hosts = [
          ...Array.from({ length: 5 }, (_, i) => `127.2.0.${i + 1}`),
          ...Array.from({ length: 3 }, (_, i) => `127.3.0.${i + 1}`),
          ...Array.from({ length: 16 }, (_, i) => `127.1.0.${i + 1}`)
        ]
        const clients: Array<{ readonly raw: Raw; readonly remote: string }> = []
        for (const host of hosts) clients.push(yield* join(network, host))
        expect(clients.map((c) => hostOf(c.remote))).toEqual(hosts.map((h) => h.replace(/^127\./, "11.")))

        // The youngest of the large group relays a transaction: eviction protects it. A getaddr after
        // it is answered by the relay only once the transaction went through every handler (one
        // peer's messages are handled in order), so the protection is in place before the newcomer.
        const relayer = clients[23]!
        yield* promise(() => relayer.raw.send(tx(1)))
        yield* promise(() => relayer.raw.send(Message.GetAddr.make({})))
        yield* promise(() => relayer.raw.take("Addr", 10_000))

        const newcomer = yield* join(network, "127.4.0.1")
        expect(hostOf(newcomer.remote)).toBe("11.4.0.1")
        yield* eventually("one peer evicted", () => evictions(network.events).length === 1)
        const [gone] = evictions(network.events)
        // Without the transaction it would have been 127.1.0.16 (the unit and TestClock tests pin that).
        expect(gone).toMatchObject({ remote: clients[22]!.remote, direction: "inbound", banned: false, reason: { _tag: "LocalRequest", detail: EVICTED } })
        expect(hostOf(gone!.remote)).toBe("11.1.0.15")
        expect(yield* promise(() => clients[22]!.raw.closedWithin(10_000))).toBe(true)
        // The newcomer keeps its slot, the protected relayer and everyone else theirs.
        expect(newcomer.raw.isClosed).toBe(false)
        expect(clients.filter((c) => c.raw.isClosed).map((c) => c.remote)).toEqual([clients[22]!.remote])
        const peers = (yield* network.connector.peers).map((p) => p.remote)
        expect(peers).toHaveLength(24)
        expect(peers).toContain(newcomer.remote)
        expect(peers).toContain(relayer.remote)
        expect(network.events.filter((e) => e._tag === "InboundRefused")).toEqual([])
      }),
    120_000
  )
})

describe("over loopback TCP: the per-group inbound cap", () => {
  it.scopedLive(
    "one host opening 10 silent connections holds at most maxInboundPerGroup (4) slots: its own newer sockets evict its older ones, and another group's 4 clients all get in",
    () =>
      Effect.gen(function*() {
        const network = yield* listenNetwork({ maxInbound: 8, maxInboundPerGroup: 4, inboundHandshakeTimeout: Duration.minutes(1) }, loopbackAsPublic())
        // Sockets that never send a byte: before the cap they held every slot until the handshake timeout.
        const attacker = yield* Effect.forEach(Array.from({ length: 10 }), () => rawClient(network.port, "127.1.0.1"))
        const failed: Array<Extract<Connector.PeerEvent, { _tag: "HandshakeFailed" }>> = []
        for (let i = 0; i < 6; i++) failed.push(yield* network.next("HandshakeFailed"))
        for (const f of failed) {
          expect(f).toMatchObject({ direction: "inbound", reason: { _tag: "LocalRequest", detail: EVICTED } })
          expect(hostOf(f.remote)).toBe("11.1.0.1")
        }
        yield* eventually("6 attacker sockets closed", () => attacker.filter((a) => a.isClosed).length === 6)

        const others = yield* Effect.forEach(["127.2.0.1", "127.2.0.2", "127.2.0.3", "127.2.0.4"], (host) => join(network, host))
        expect(others.map((o) => hostOf(o.remote))).toEqual(["11.2.0.1", "11.2.0.2", "11.2.0.3", "11.2.0.4"])
        const peers = (yield* network.connector.peers).map((p) => p.remote)
        expect(peers.sort()).toEqual(others.map((o) => o.remote).sort())
        expect(others.every((o) => !o.raw.isClosed)).toBe(true)
        // The attacker still holds its 4 (silent) slots: nobody was refused, nobody else evicted.
        expect(attacker.filter((a) => !a.isClosed)).toHaveLength(4)
        expect(network.events.filter((e) => e._tag === "InboundRefused" || e._tag === "Disconnected")).toEqual([])
        expect(network.events.filter((e) => e._tag === "HandshakeFailed")).toHaveLength(6)
      }),
    120_000
  )

  it.scopedLive(
    "without translation every loopback client shares one group: a host filling it cannot freeze it, the next loopback client evicts that host's youngest peer",
    () =>
      Effect.gen(function*() {
        const network = yield* listenNetwork({ maxInbound: 8, maxInboundPerGroup: 4 })
        const holder = yield* Effect.forEach(Array.from({ length: 4 }), () => join(network, "127.0.0.1"))
        const newcomer = yield* join(network, "127.0.0.2")
        expect(hostOf(newcomer.remote)).toBe("127.0.0.2")
        const gone = yield* network.next("Disconnected")
        expect(gone).toMatchObject({ remote: holder[3]!.remote, banned: false, reason: { _tag: "LocalRequest", detail: EVICTED } })
        expect(yield* promise(() => holder[3]!.raw.closedWithin(10_000))).toBe(true)
        expect(newcomer.raw.isClosed).toBe(false)
        const peers = (yield* network.connector.peers).map((p) => p.remote).sort()
        expect(peers).toEqual([...holder.slice(0, 3).map((h) => h.remote), newcomer.remote].sort())
      }),
    60_000
  )
})
