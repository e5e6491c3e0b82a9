/**
 * BIP-0324 in the connector, on an in-memory network under the `TestClock`:
 * which transport an outbound connection tries (`transportMode`), the one
 * retry over v1 by the BIP's rule (and only by it), `NODE_P2P_V2` advertised
 * and cleared in the book, one listener for v1 and v2, and the admission
 * control of inbound v2 handshakes.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as TestClock from "effect/TestClock"
import * as Socket from "@effect/platform/Socket"
import * as Transport from "../../src/network/Transport.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as ServiceFlags from "../../src/wire/ServiceFlags.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { makeRaw, rawHandshake } from "../support/peer.js"
import { addressOf, advanceUntil, dialRaw, keyOf, listenRaw, PORT, START, startNode } from "../support/network.js"
import type * as NetworkConfig from "../../src/network/NetworkConfig.js"

const sim = <A, E, R>(self: Effect.Effect<A, E, R>, seed = "connector-v2") =>
  Effect.zipRight(TestClock.setTime(START), self).pipe(Effect.withRandom(Random.make(seed)))

const addr = (host: string, port = PORT) => NetAddress.fromHost(host, port)!

const hasV2 = (services: bigint) => ServiceFlags.has(services, ServiceFlags.NODE_P2P_V2)

/** A v2 initiator's first bytes: 64 bytes that are not a v1 header (the listener then starts v2). */
const V2_START = new Uint8Array(64).fill(0x5a)

/** Bytes that arrive on `socket`, collected as they come, and whether it closed. */
const watch = (socket: Socket.Socket) =>
  Effect.gen(function*() {
    const received: Array<number> = []
    const closed = yield* Deferred.make<void>()
    yield* socket.run((chunk: Uint8Array) => Effect.sync(() => received.push(chunk.length))).pipe(
      Effect.ignore,
      Effect.ensuring(Deferred.succeed(closed, undefined)),
      Effect.forkScoped
    )
    const write = yield* socket.writer
    return {
      bytes: () => received.reduce((a, b) => a + b, 0),
      closed,
      write: (b: Uint8Array) => Effect.orDie(write(b)),
      close: Effect.ignore(write(new Socket.CloseEvent(1000)))
    }
  })

describe("Connector: transport mode", () => {
  it.scoped("auto with v2ForManualPeers: two of our nodes speak v2 to a manual peer, both advertise NODE_P2P_V2 and share one session id", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const server = yield* startNode(hub, 1, { config: { targetOutbound: 0 } })
      const client = yield* startNode(hub, 2, { config: { targetOutbound: 0, connectOnly: true, manualPeers: [addressOf(1)], v2ForManualPeers: true } })
      yield* advanceUntil("connected", Effect.map(server.connector.peers, (p) => p.length === 1))
      const [ours] = yield* client.connector.peers
      const [theirs] = yield* server.connector.peers
      const a = yield* ours!.stats
      const b = yield* theirs!.stats
      expect([a.transport, b.transport]).toEqual(["v2", "v2"])
      expect(a.sessionId).toHaveLength(32)
      expect(a.sessionId).toEqual(b.sessionId)
      expect(ours!.info.transport).toBe("v2")
      expect(hasV2(ours!.info.services)).toBe(true)
      expect(hasV2(theirs!.info.services)).toBe(true)
    })))

  it.scoped("auto: an address from the book without NODE_P2P_V2 is dialled over v1, one with it over v2", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      yield* startNode(hub, 1, { config: { targetOutbound: 0 } })
      yield* startNode(hub, 2, { config: { targetOutbound: 0 } })
      const client = yield* startNode(hub, 3, { config: { targetOutbound: 2 } })
      yield* client.book.add([
        { ...addressOf(1), services: 0n, time: START / 1000 },
        { ...addressOf(2), services: ServiceFlags.NODE_P2P_V2, time: START / 1000 }
      ], "user")
      yield* advanceUntil("both dialled", Effect.map(client.connector.peers, (p) => p.length === 2))
      const byRemote = new Map<string, string>()
      for (const p of yield* client.connector.peers) byRemote.set(p.remote, (yield* p.stats).transport)
      expect(byRemote.get(keyOf(1))).toBe("v1")
      expect(byRemote.get(keyOf(2))).toBe("v2")
    })))

  it.scoped("v1: nothing advertised, manual peers over v1; the other side's auto listener serves it", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const server = yield* startNode(hub, 1, { config: { targetOutbound: 0 } })
      const client = yield* startNode(hub, 2, {
        config: { targetOutbound: 0, connectOnly: true, manualPeers: [addressOf(1)], transportMode: "v1" }
      })
      yield* advanceUntil("connected", Effect.map(server.connector.peers, (p) => p.length === 1))
      const [theirs] = yield* server.connector.peers
      expect((yield* theirs!.stats).transport).toBe("v1")
      expect(theirs!.info.sessionId).toBeUndefined()
      expect(hasV2(theirs!.info.services)).toBe(false)
      const [ours] = yield* client.connector.peers
      expect(hasV2(ours!.info.services)).toBe(true)
    })))
})

describe("Connector: transport mode on the family beyond Bitcoin", () => {
  // Their nodes (bcash, Litecoin Core, Dogecoin Core, lbrycrd) speak v1 only; bcoin-derived ones ban a
  // host whose connection opens with a v2 key, so "auto" must not try it even with an address that
  // claims NODE_P2P_V2 (the bit means something else, or nothing, there).
  it.scoped("auto on bch-regtest: NODE_P2P_V2 not advertised, an address advertising it dialled over v1", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const bch = { params: ChainParams.bchRegtest }
      const server = yield* startNode(hub, 1, { config: { targetOutbound: 0, peer: bch } })
      const client = yield* startNode(hub, 2, { config: { targetOutbound: 1, peer: bch } })
      yield* client.book.add([{ ...addressOf(1), services: ServiceFlags.NODE_P2P_V2, time: START / 1000 }], "user")
      yield* advanceUntil("connected", Effect.map(server.connector.peers, (p) => p.length === 1))
      const [ours] = yield* client.connector.peers
      const [theirs] = yield* server.connector.peers
      expect((yield* ours!.stats).transport).toBe("v1")
      expect(hasV2(ours!.info.services)).toBe(false)
      expect(hasV2(theirs!.info.services)).toBe(false)
    })))

  it("v2Transport: Bitcoin's networks only, unless a custom network says so", () => {
    for (const p of [ChainParams.mainnet, ChainParams.testnet3, ChainParams.testnet4, ChainParams.signet, ChainParams.regtest]) {
      expect([p.name, p.v2Transport]).toEqual([p.name, true])
    }
    for (const p of [ChainParams.bchMainnet, ChainParams.bchRegtest, ChainParams.ltcMainnet, ChainParams.dogeMainnet, ChainParams.lbryMainnet]) {
      expect([p.name, p.v2Transport]).toEqual([p.name, false])
    }
    expect(ChainParams.make({ ...ChainParams.dogeRegtest, name: "mine", v2Transport: true }).v2Transport).toBe(true)
  })
})

describe("Connector: falling back to v1 (BIP-0324's rule)", () => {
  it.scoped("a v1 node that hangs up on our key: one retry over v1 succeeds and the book clears NODE_P2P_V2", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const remote = "127.88.0.1"
      const accepted = yield* listenRaw(hub, `${remote}:${PORT}`)
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0 } })
      yield* node.book.add([{ ...addr(remote), services: ServiceFlags.NODE_P2P_V2, time: START / 1000 }], "user")
      const connecting = yield* Effect.fork(node.connector.connect(addr(remote)))

      // A v1 node (as Core and bcoin) reads a header with a wrong magic and disconnects.
      yield* advanceUntil("first dial", Effect.map(accepted.size, (n) => Option.getOrElse(n, () => 0) === 1))
      const first = yield* makeRaw((yield* accepted.take).socket)
      yield* advanceUntil("our key arrived", Effect.sync(() => first.decodeError() !== undefined))
      yield* first.close

      yield* advanceUntil("second dial", Effect.map(accepted.size, (n) => Option.getOrElse(n, () => 0) === 1))
      const second = yield* makeRaw((yield* accepted.take).socket)
      yield* rawHandshake(second, "outbound")
      const peer = yield* Fiber.join(connecting)
      expect((yield* peer.stats).transport).toBe("v1")
      const entry = yield* node.book.get(addr(remote))
      expect(Option.map(entry, (e) => hasV2(e.services))).toEqual(Option.some(false))
    })))

  it.scoped("no retry when the remote sent anything at all before closing: the attempt just fails", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const remote = "127.88.0.2"
      const accepted = yield* listenRaw(hub, `${remote}:${PORT}`)
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0 } })
      yield* node.book.add([{ ...addr(remote), services: ServiceFlags.NODE_P2P_V2, time: START / 1000 }], "user")
      const connecting = yield* Effect.fork(node.connector.connect(addr(remote)))

      yield* advanceUntil("first dial", Effect.map(accepted.size, (n) => Option.getOrElse(n, () => 0) === 1))
      const first = yield* watch((yield* accepted.take).socket)
      yield* advanceUntil("our key arrived", Effect.sync(() => first.bytes() >= 64))
      // One byte of a would-be key, then gone: the remote is not a v1 node that refused us.
      yield* first.write(Uint8Array.of(1))
      yield* first.close
      const exit = yield* Effect.exit(Fiber.join(connecting))
      expect(exit._tag).toBe("Failure")
      // And no second dial, over v1 or otherwise.
      yield* TestClock.adjust("10 seconds")
      expect(Option.getOrElse(yield* accepted.size, () => 0)).toBe(0)
    })))
})

describe("Connector: inbound v2 handshakes under admission control", () => {
  const startGuarded = (hub: Transport.MemoryHub, extra: Partial<NetworkConfig.NetworkConfigShape> = {}) =>
    startNode(hub, 1, {
      config: { targetOutbound: 0, handshakeLimits: { perSecond: 20, perSubnetPerSecond: 2 }, ...extra }
    })

  /** Opens an inbound connection from `from` and starts a v2 handshake with `bytes` of a key (whole by default). */
  const startV2 = (hub: Transport.MemoryHub, key: string, from: string, bytes = 64) =>
    Effect.gen(function*() {
      const conn = yield* watch(yield* dialRaw(hub, key, addr(from, 40000)))
      yield* conn.write(V2_START.subarray(0, bytes))
      return conn
    })

  const settle = TestClock.adjust("10 millis")

  it.scoped("per /24: a third handshake in the same second is closed unanswered; the next second admits again", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const node = yield* startGuarded(hub)
      const conns = []
      for (const host of ["10.1.2.3", "10.1.2.4", "10.1.2.5"]) conns.push(yield* startV2(hub, node.key, host))
      yield* settle
      // The first two got our 64-byte key (and garbage); the third got nothing and was closed.
      expect(conns.map((c) => c.bytes() >= 64)).toEqual([true, true, false])
      expect(yield* Deferred.isDone(conns[2]!.closed)).toBe(true)
      // Another /24 is not affected.
      const other = yield* startV2(hub, node.key, "10.1.3.1")
      yield* settle
      expect(other.bytes()).toBeGreaterThanOrEqual(64)
      // A second later the /24 has tokens again (three handshakes still run: under 4 at once).
      yield* TestClock.adjust("1 second")
      const later = yield* startV2(hub, node.key, "10.1.2.6")
      yield* settle
      expect(later.bytes()).toBeGreaterThanOrEqual(64)
    })))

  it.scoped("a key exchange is charged once the remote's key is whole: sockets that stop short of one hold no slot, later whole keys are answered", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const node = yield* startGuarded(hub)
      // As many as the concurrency cap (4), each a byte past the v1 check and then silent, from /24s of their own.
      const stalled = []
      for (let i = 0; i < 4; i++) stalled.push(yield* startV2(hub, node.key, `10.2.${i}.1`, 20))
      yield* settle
      expect(stalled.map((c) => c.bytes())).toEqual([0, 0, 0, 0])
      // Before the admission moved to the whole key, these held all four slots until their deadline.
      const whole = []
      for (let i = 0; i < 5; i++) whole.push(yield* startV2(hub, node.key, `10.4.${i}.1`))
      yield* settle
      expect(whole.map((c) => c.bytes() >= 64)).toEqual([true, true, true, true, true])
      // A stalled one that completes its key is answered as well.
      yield* stalled[0]!.write(V2_START.subarray(20))
      yield* settle
      expect(stalled[0]!.bytes()).toBeGreaterThanOrEqual(64)
    })))

  it.scoped("concurrent: 0 refuses every v2 handshake, unanswered; v1 still gets in", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const node = yield* startGuarded(hub, { handshakeLimits: { perSecond: 20, perSubnetPerSecond: 2, concurrent: 0 } })
      const refused = yield* startV2(hub, node.key, "10.5.0.1")
      yield* settle
      expect(refused.bytes()).toBe(0)
      expect(yield* Deferred.isDone(refused.closed)).toBe(true)
      const raw = yield* makeRaw(yield* dialRaw(hub, node.key, addr("10.5.0.2", 40000)))
      yield* rawHandshake(raw, "inbound")
      expect((yield* node.connector.peers).length).toBe(1)
    })))

  it.scoped("local and no-ban peers are not limited (a refusal would downgrade them to v1); with banLocal, local peers are", () =>
    sim(Effect.gen(function*() {
      const answered = (conns: ReadonlyArray<{ readonly bytes: () => number }>) => conns.map((c) => c.bytes() >= 64)
      const hub = Transport.makeHub()
      const node = yield* startGuarded(hub, { noBan: ["10.9.0.0/16"] })
      // Six at once from loopback (one /24, over both the subnet rate and the concurrency cap), and three from a no-ban /24.
      const local = []
      for (let i = 0; i < 6; i++) local.push(yield* startV2(hub, node.key, `127.0.0.${i + 1}`))
      const trusted = []
      for (let i = 0; i < 3; i++) trusted.push(yield* startV2(hub, node.key, `10.9.1.${i + 1}`))
      yield* settle
      expect(answered(local)).toEqual([true, true, true, true, true, true])
      expect(answered(trusted)).toEqual([true, true, true])

      const strictHub = Transport.makeHub()
      const strict = yield* startGuarded(strictHub, { banLocal: true })
      const limited = []
      for (let i = 0; i < 3; i++) limited.push(yield* startV2(strictHub, strict.key, `127.0.0.${i + 1}`))
      yield* settle
      expect(answered(limited)).toEqual([true, true, false])
    })))

  it.scoped("v1 connections are not charged: many from one /24 in the same instant all complete", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const node = yield* startGuarded(hub)
      for (let i = 0; i < 6; i++) {
        const raw = yield* makeRaw(yield* dialRaw(hub, node.key, addr(`10.3.0.${i + 1}`, 40000)))
        yield* rawHandshake(raw, "inbound")
      }
      expect((yield* node.connector.peers).length).toBe(6)
    })))
})

