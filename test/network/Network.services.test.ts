/**
 * The network services are replaceable one by one: a relay policy of the
 * user's own, or a crawler's connector that never keeps peers, and the
 * other services keep working. Also: the connector selects only addresses
 * its transport can reach, and DNS seeding is the seeder's job, through a
 * `DnsResolver` the layer requires. In-memory transport, `TestClock`.
 */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as AddressBook from "../../src/network/AddressBook.js"
import * as AddressRelay from "../../src/network/AddressRelay.js"
import * as Connector from "../../src/network/Connector.js"
import * as DnsResolver from "../../src/network/DnsResolver.js"
import * as DnsSeeder from "../../src/network/DnsSeeder.js"
import type * as Network from "../../src/network/Network.js"
import * as PeerRegistry from "../../src/network/PeerRegistry.js"
import * as Transport from "../../src/network/Transport.js"
import * as Peer from "../../src/peer/Peer.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Message from "../../src/wire/Message.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { makeRaw, rawHandshake } from "../support/peer.js"
import { addressOf, advanceUntil, collectEvents, dialRaw, hostOf, keyOf, peerKeys, PORT, START, startNode } from "../support/network.js"

const NOW_S = Math.floor(START / 1000)

const sim = <A, E, R>(self: Effect.Effect<A, E, R>, seed = "services") =>
  Effect.zipRight(TestClock.setTime(START), self).pipe(Effect.withRandom(Random.make(seed)))

const addr = (host: string, port = PORT) => NetAddress.fromHost(host, port)!
const timed = (host: string, time = NOW_S): NetAddress.TimedNetAddressFields => ({ ...addr(host), time })
const settle = TestClock.adjust("10 millis")

/**
 * A user's relay policy: book what peers gossip, under the sender's host only,
 * and never answer `getaddr` nor relay anything.
 */
const quietRelay: Layer.Layer<AddressRelay.AddressRelay, never, PeerRegistry.PeerRegistry | AddressBook.AddressBook> = Layer.scoped(
  AddressRelay.AddressRelay,
  Effect.gen(function*() {
    const registry = yield* PeerRegistry.PeerRegistry
    const book = yield* AddressBook.AddressBook
    let booked = 0
    yield* registry.addHandler({
      onMessage: ({ message, peer }) =>
        message._tag === "Addr" || message._tag === "AddrV2"
          ? Effect.map(book.addFromPeer(peer.remote.split(":")[0]!, message.addresses), (s) => {
            booked += s.added
          })
          : Effect.void
    })
    return { stats: Effect.sync(() => ({ getAddrAnswered: 0, announcementsRelayed: booked, selfAdvertisements: 0 })) }
  })
)

/**
 * A crawler's connector: visits each target once, waits for its `addr`
 * answer (the default relay sends the `getaddr`), and leaves. It never keeps
 * a peer and never listens.
 */
const crawler = (targets: ReadonlyArray<NetAddress.NetAddressFields>) =>
  Layer.scoped(
    Connector.Connector,
    Effect.gen(function*() {
      const registry = yield* PeerRegistry.PeerRegistry
      const transport = yield* Transport.Transport
      const visit = (address: NetAddress.NetAddressFields) =>
        Effect.gen(function*() {
          const socket = yield* transport.dial(address)
          const starting = yield* Peer.start(socket, {
            direction: "outbound",
            remote: address,
            config: { params: ChainParams.regtest, userAgentName: "crawler" }
          })
          const inbox = yield* starting.subscribe()
          const answers = yield* starting.subscribe("Addr", "AddrV2")
          const peer = yield* starting.connected
          yield* Effect.forkScoped(Effect.zipRight(Stream.runHead(answers), peer.disconnect("crawled")))
          yield* registry.run(peer, { inbox, address, manual: false })
          return peer
        }).pipe(Effect.scoped)
      yield* Effect.forkScoped(Effect.forEach(targets, (t) => Effect.either(visit(t)), { discard: true }))
      return {
        peers: registry.peers,
        peer: registry.peer,
        events: registry.events,
        subscribeEvents: registry.subscribeEvents,
        connect: visit,
        addManual: () => Effect.void,
        listenAddress: undefined
      }
    })
  )

describe("Network: services replaced one by one", () => {
  it("Network.layer requires a DnsResolver: seeding cannot be left out by accident", () => {
    type Requirements = Layer.Layer.Context<ReturnType<typeof Network.layer>>
    expectTypeOf<DnsResolver.DnsResolver>().toMatchTypeOf<Requirements>()
    expectTypeOf<Requirements>().toEqualTypeOf<AddressBook.AddressBook | Transport.Transport | DnsResolver.DnsResolver>()
  })

  it.scoped("a relay policy of the user's own: its rules apply, the connector and dispatcher work as before", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0 }, replace: { relay: quietRelay } })
      yield* node.book.add(Array.from({ length: 20 }, (_, n) => timed(`127.0.60.${n + 1}`, NOW_S - 60)), "user")
      const events = yield* collectEvents(node)
      const subscription = yield* node.dispatcher.subscribe("Addr", "GetAddr")
      const seen: Array<string> = []
      yield* Effect.forkScoped(Stream.runForEach(subscription, (r) => Effect.sync(() => seen.push(r.message._tag))))

      const sender = yield* makeRaw(yield* dialRaw(hub, node.key, addr("127.0.80.100", 6000)))
      yield* rawHandshake(sender, "inbound")
      const bystander = yield* makeRaw(yield* dialRaw(hub, node.key, addr("127.0.80.1", 6001)))
      yield* rawHandshake(bystander, "inbound")
      yield* settle

      // The user's policy: getaddr unanswered, a fresh small announcement booked but not relayed.
      yield* sender.send(Message.GetAddr.make({}))
      yield* sender.send(Message.Addr.make({ addresses: [timed("127.0.81.1")] }))
      yield* TestClock.adjust("1 second")
      expect((yield* sender.drain).map((f) => f.message._tag)).toEqual([])
      expect((yield* bystander.drain).map((f) => f.message._tag)).toEqual([])
      expect(Option.isSome(yield* node.book.get(addr("127.0.81.1")))).toBe(true)
      expect((yield* node.book.get(addr("127.0.81.1"))).pipe(Option.map((e) => e.source), Option.getOrThrow)).toBe("peer:127.0.80.100")

      // The rest as ever: the dispatcher delivered both messages, events came, broadcast reaches both.
      expect(seen).toEqual(["GetAddr", "Addr"])
      expect(events.filter((e) => e._tag === "Connected").length).toBe(2)
      expect(yield* node.dispatcher.broadcast(Message.Ping.make({ nonce: 7n }))).toBe(2)
      yield* settle
      expect((yield* bystander.drain).map((f) => f.message._tag)).toEqual(["Ping"])
      expect((yield* Effect.flatMap(AddressRelay.AddressRelay, (r) => r.stats).pipe(Effect.provide(node.context))).announcementsRelayed).toBe(1)
    })))

  it.scoped("a crawler's connector that never keeps peers: the relay still books each answer, the dispatcher still sees it", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      // Three nodes, each knowing a few addresses of its own to give away.
      const targets = [2, 3, 4]
      for (const i of targets) {
        const n = yield* startNode(hub, i, { config: { targetOutbound: 0 } })
        yield* n.book.add(Array.from({ length: 10 }, (_, k) => timed(`127.0.${100 + i}.${k + 1}`, NOW_S - 60)), "user")
      }
      const crawl = yield* startNode(hub, 1, {
        config: { targetOutbound: 0, listen: undefined },
        replace: { connector: crawler(targets.map(addressOf)) }
      })
      const events = yield* collectEvents(crawl)
      const answers: Array<string> = []
      yield* Effect.forkScoped(
        Stream.runForEach(crawl.dispatcher.messages("Addr", "AddrV2"), (r) => Effect.sync(() => answers.push(r.peer.remote)))
      )
      yield* advanceUntil("every target visited and left", Effect.sync(() => events.filter((e) => e._tag === "Disconnected").length === 3))

      expect(answers.sort()).toEqual(targets.map(keyOf).sort())
      expect(yield* crawl.connector.peers).toEqual([])
      // Each answer (23% of 10 entries: 2 addresses) was booked by the default relay, under its sender.
      const entries = yield* crawl.book.entries
      for (const i of targets) {
        expect(entries.filter((e) => e.source === `peer:${hostOf(i)}` && e.key.startsWith(`127.0.${100 + i}.`)).length).toBe(2)
      }
      const reasons = events.flatMap((e) => (e._tag === "Disconnected" ? [e.reason._tag] : []))
      expect(reasons).toEqual(["LocalRequest", "LocalRequest", "LocalRequest"])
    })))
})

describe("Network: reachable networks", () => {
  const onion = (n: number): AddressBook.AddressInput => ({
    network: NetAddress.NetworkId.TorV3,
    address: Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + n) & 0xff),
    port: PORT,
    time: NOW_S
  })
  const i2p = (n: number): AddressBook.AddressInput => ({
    network: NetAddress.NetworkId.I2P,
    address: Uint8Array.from({ length: 32 }, (_, i) => (i * 11 + n) & 0xff),
    port: 0,
    time: NOW_S
  })

  it.scoped("the connector never selects an onion or I2P address its transport cannot dial; they are not marked failed", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      yield* startNode(hub, 2, { config: { targetOutbound: 0 } })
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 4, listen: undefined }, seeds: [addressOf(2)] })
      const privacy = [...Array.from({ length: 8 }, (_, n) => onion(n)), ...Array.from({ length: 8 }, (_, n) => i2p(n))]
      const summary = yield* node.book.add(privacy, "user")
      // A few may share a bucket slot with another; the rest are in the book.
      expect(summary.added).toBeGreaterThanOrEqual(12)

      yield* advanceUntil("the clearnet peer connected", Effect.map(peerKeys(node, "outbound"), (k) => k.includes(keyOf(2))))
      // Four slots, one reachable address: the other three keep picking for a simulated minute.
      yield* TestClock.adjust("1 minute")
      const entries = yield* node.book.entries
      const unreachable = entries.filter((e) => e.network === NetAddress.NetworkId.TorV3 || e.network === NetAddress.NetworkId.I2P)
      expect(unreachable.length).toBe(summary.added)
      expect(unreachable.every((e) => e.attempts === 0 && e.failures === 0 && e.lastAttempt === 0)).toBe(true)
      expect(yield* peerKeys(node, "outbound")).toEqual([keyOf(2)])
    })))

  it.scoped("a transport that reaches only some networks says so; a dial elsewhere fails Unsupported", () =>
    Effect.gen(function*() {
      const hub = Transport.makeHub()
      const clearnet = Transport.makeMemory(hub)
      expect([...clearnet.reachable].sort()).toEqual([NetAddress.NetworkId.IPv4, NetAddress.NetworkId.IPv6])
      const onionOnly = Transport.makeMemory(hub, "127.0.0.1", { reachable: [NetAddress.NetworkId.TorV3] })
      expect([...onionOnly.reachable]).toEqual([NetAddress.NetworkId.TorV3])
      const error = yield* Effect.flip(onionOnly.dial(addr("127.0.0.9")))
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Unsupported" })
      const torDial = yield* Effect.flip(clearnet.dial({ ...onion(1), services: 0n }))
      expect(torDial).toMatchObject({ _tag: "TransportError", reason: "Unsupported" })
    }))

  it.scoped("with an onion-only transport, no clearnet address is ever dialled", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      yield* startNode(hub, 2, { config: { targetOutbound: 0 } })
      const node = yield* startNode(hub, 1, {
        config: { targetOutbound: 2, listen: undefined },
        seeds: [addressOf(2)],
        reachable: [NetAddress.NetworkId.TorV3]
      })
      yield* node.book.add([onion(1)], "user")
      yield* TestClock.adjust("1 minute")
      const clear = Option.getOrThrow(yield* node.book.get(addressOf(2)))
      expect(clear.attempts).toBe(0)
      expect(clear.lastAttempt).toBe(0)
      // The onion address was tried (the memory hub has no onion listener, so it failed).
      expect(Option.getOrThrow(yield* node.book.get(onion(1))).lastAttempt).toBeGreaterThan(0)
      expect(yield* node.connector.peers).toEqual([])
    })))
})

describe("Network: DNS seeding", () => {
  const params: ChainParams.ChainParams = { ...ChainParams.regtest, dnsSeeds: ["seed.sim.example"] }
  const counting = (records: Record<string, ReadonlyArray<string>>) => {
    const asked: Array<string> = []
    const inner = DnsResolver.makeStatic(records)
    const layer = Layer.succeed(DnsResolver.DnsResolver, {
      resolve: (hostname) => Effect.zipRight(Effect.sync(() => asked.push(hostname)), inner.resolve(hostname))
    })
    return { asked, layer }
  }

  it.scoped("an empty book is seeded through the resolver and the node reaches the seeded peer", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      yield* startNode(hub, 2, { config: { targetOutbound: 0 } })
      const dns = counting({ "seed.sim.example": [NetAddress.hostToString(addressOf(2))] })
      const node = yield* startNode(hub, 1, {
        config: { targetOutbound: 2, listen: undefined, peer: { params } },
        dns: dns.layer
      })
      yield* advanceUntil("the seeded peer connected", Effect.map(peerKeys(node, "outbound"), (k) => k.includes(keyOf(2))))
      expect(dns.asked[0]).toBe("seed.sim.example")
      expect(Option.getOrThrow(yield* node.book.get(addressOf(2))).source).toBe("dns")
    })))

  it.scoped("connect-only mode never asks the seeds", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      yield* startNode(hub, 2, { config: { targetOutbound: 0 } })
      const dns = counting({ "seed.sim.example": [NetAddress.hostToString(addressOf(2))] })
      const node = yield* startNode(hub, 1, {
        config: { listen: undefined, connectOnly: true, manualPeers: [addressOf(2)], peer: { params } },
        dns: dns.layer
      })
      yield* advanceUntil("the manual peer connected", Effect.map(peerKeys(node, "outbound"), (k) => k.includes(keyOf(2))))
      yield* TestClock.adjust("20 minutes")
      expect(dns.asked).toEqual([])
    })))

  it.scoped("the seeder can be asked directly; a full book asks nobody", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const dns = counting({ "seed.sim.example": ["127.0.9.9"] })
      const node = yield* startNode(hub, 1, {
        config: { targetOutbound: 0, listen: undefined, dnsSeedThreshold: 1, peer: { params } },
        dns: dns.layer
      })
      const seeder = yield* Effect.provide(DnsSeeder.DnsSeeder, node.context)
      expect((yield* seeder.seed).added).toBe(1)
      expect(dns.asked).toEqual(["seed.sim.example"])
      expect((yield* seeder.seed).added).toBe(0)
      expect(dns.asked).toEqual(["seed.sim.example"])
    })))
})
