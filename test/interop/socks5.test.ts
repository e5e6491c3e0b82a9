/**
 * Our `Peer` through SOCKS5 proxies to independent nodes, all on loopback:
 * - microsocks (a real SOCKS5 server, ./microsocks.ts) in front of bcoin
 *   (./bcoinNode.ts): plain, with username/password, a wrong password, a
 *   refused port, and a host name that only the proxy resolves;
 * - the test responder (../node/socks5Responder.ts) standing in for Tor and
 *   an I2P router, mapping made-up `.onion` and `.b32.i2p` names to bcoin and
 *   to a node of our own: onion and I2P dialing end to end, an onion address
 *   learned from `addrv2` gossip, and stream isolation per connection.
 *
 * No test here resolves a name locally: `node:dns`'s `lookup` (what
 * `net.connect` calls for a name) is wrapped to record every call.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as Net from "node:net"
import * as AddressBook from "../../src/network/AddressBook.js"
import { Connector, type PeerEvent } from "../../src/network/Connector.js"
import * as Network from "../../src/network/Network.js"
import * as DnsResolver from "../../src/network/DnsResolver.js"
import * as Transport from "../../src/network/Transport.js"
import * as NodeTransport from "../../src/node/NodeTransport.js"
import * as Socks5Transport from "../../src/node/Socks5Transport.js"
import * as Peer from "../../src/peer/Peer.js"
import * as PeerConfig from "../../src/peer/PeerConfig.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { closedPort } from "../support/tcp.js"
import { socks5Responder } from "../node/socks5Responder.js"
import { type BcoinNode, startBcoin } from "./bcoinNode.js"
import { microsocks } from "./microsocks.js"
import { recordLookups } from "../support/dns.js"

const params = ChainParams.regtest
const BLOCKS = 20
const WAIT = Duration.seconds(10)

let btc: BcoinNode

beforeAll(async () => {
  btc = await startBcoin({ blocks: BLOCKS })
})

afterAll(async () => {
  await btc?.stop()
})


/** Runs our outbound Peer on a socket from `dial` and syncs bcoin's headers: proof the tunnel carries the protocol. */
const syncHeaders = (socket: Effect.Effect<import("@effect/platform/Socket").Socket, Transport.TransportError, import("effect/Scope").Scope>) =>
  Effect.scoped(Effect.gen(function*() {
    const peer = yield* Peer.make(yield* socket, { direction: "outbound", config: { params } })
    const headers = yield* peer.getHeaders([params.genesisHash])
    return { userAgent: peer.info.userAgent, headers: headers.headers.length, startHeight: peer.info.startHeight }
  }))

/** A `DnsResolver` that knows no name and records every question in `lookups`. */
const recordingResolver = (lookups: Array<string>) =>
  Layer.succeed(DnsResolver.DnsResolver, {
    resolve: (hostname) =>
      Effect.zipRight(Effect.sync(() => lookups.push(hostname)), DnsResolver.makeStatic({}).resolve(hostname))
  })

const bcoinAddress = () => NetAddress.fromHost(btc.host, btc.port)!

const socks5Reason = (e: Transport.TransportError) => (e.cause instanceof Socks5Transport.Socks5Error ? e.cause.reason : undefined)

/** Forwards [::1]:port to bcoin, so a name the proxy resolves to either loopback address reaches bcoin. */
const ipv6Forwarder = Effect.acquireRelease(
  Effect.async<Net.Server>((resume) => {
    const server = Net.createServer((c) => {
      const up = Net.connect({ host: btc.host, port: btc.port })
      c.on("error", () => up.destroy())
      up.on("error", () => c.destroy())
      c.pipe(up).pipe(c)
    })
    server.once("error", () => resume(Effect.succeed(server))) // port taken on ::1: the name then resolves to 127.0.0.1 anyway
    server.listen({ host: "::1", port: btc.port, ipv6Only: true }, () => resume(Effect.succeed(server)))
  }),
  (server) => Effect.sync(() => server.close())
)

describe("Peer through microsocks to bcoin", () => {
  it.scopedLive("handshake and header sync through the proxy; with the proxy gone the dial fails ProxyUnreachable", () =>
    Effect.gen(function*() {
      const proxy = yield* Effect.scoped(Effect.gen(function*() {
        const proxy = yield* microsocks()
        const transport = Socks5Transport.make({ proxy, dialTimeout: WAIT })
        const synced = yield* syncHeaders(transport.dial(bcoinAddress()))
        expect(synced).toMatchObject({ headers: BLOCKS, startHeight: BLOCKS })
        expect(synced.userAgent).toContain("bcoin")
        return proxy
      }))
      // The same dial with microsocks stopped: the peer was reached only through it.
      const r = yield* Effect.either(Effect.scoped(Socks5Transport.make({ proxy }).dial(bcoinAddress())))
      expect(Either.isLeft(r) && socks5Reason(r.left)).toBe("ProxyUnreachable")
    }), { timeout: 30_000 })

  it.scopedLive("username/password: the right ones reach bcoin, a wrong password is AuthFailed", () =>
    Effect.gen(function*() {
      const credentials = { username: "satoshi", password: "correct horse" }
      const proxy = yield* microsocks({ credentials })
      const synced = yield* syncHeaders(Socks5Transport.make({ proxy, credentials, dialTimeout: WAIT }).dial(bcoinAddress()))
      expect(synced.headers).toBe(BLOCKS)
      const wrong = yield* Effect.either(Effect.scoped(
        Socks5Transport.make({ proxy, credentials: { ...credentials, password: "battery staple" }, dialTimeout: WAIT }).dial(bcoinAddress())
      ))
      expect(Either.isLeft(wrong) && [wrong.left.reason, socks5Reason(wrong.left)]).toEqual(["Unreachable", "AuthFailed"])
      const none = yield* Effect.either(Effect.scoped(Socks5Transport.make({ proxy, dialTimeout: WAIT }).dial(bcoinAddress())))
      expect(Either.isLeft(none) && socks5Reason(none.left)).toBe("NoAcceptableMethod")
    }), { timeout: 30_000 })

  it.scopedLive("a refused port is ConnectionRefused", () =>
    Effect.gen(function*() {
      const proxy = yield* microsocks()
      const closed = yield* Effect.promise(closedPort)
      const r = yield* Effect.either(Effect.scoped(Socks5Transport.make({ proxy, dialTimeout: WAIT }).dial(NetAddress.fromHost("127.0.0.1", closed)!)))
      expect(Either.isLeft(r) && r.left.cause).toMatchObject({ _tag: "Socks5Error", reason: "ConnectionRefused", code: 5 })
    }), { timeout: 30_000 })

  it.scopedLive("a host name goes to the proxy, which resolves it; we look nothing up", () =>
    Effect.gen(function*() {
      yield* ipv6Forwarder
      const proxy = yield* microsocks()
      const lookups = yield* recordLookups
      const synced = yield* syncHeaders(Socks5Transport.make({ proxy, dialTimeout: WAIT }).dialName("localhost", btc.port))
      expect(synced.headers).toBe(BLOCKS)
      expect(lookups).toEqual([])
    }), { timeout: 30_000 })
})

describe("onion and I2P through a Tor-like responder", () => {
  const onionKey = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff)
  const i2pHash = new Uint8Array(32).map((_, i) => (i * 53 + 7) & 0xff)

  it.scopedLive("an onion address reaches bcoin; an I2P address reaches our own node, which gossips the onion by addrv2, and we dial it", () =>
    Effect.gen(function*() {
      const bcoinOnion = { services: 0n, network: NetAddress.NetworkId.TorV3, address: onionKey, port: 18444 }
      // Our own listening node (a node of its own: its own version nonces), answers every inbound peer with the onion address of bcoin, in addrv2.
      const ownNode = PeerConfig.makeNonceRegistry()
      const inbound: Array<string> = []
      const ours = yield* NodeTransport.make().listen("127.0.0.1", 0, ({ socket, remote }) =>
        Effect.gen(function*() {
          const peer = yield* Peer.make(socket, { direction: "inbound", remote, config: { params, userAgentComments: ["own-node"], nonceRegistry: ownNode } })
          inbound.push(peer.info.userAgent)
          yield* peer.pushAddresses([{ ...bcoinOnion, time: Math.floor(Date.now() / 1000) }])
          yield* peer.awaitDisconnect
        }).pipe(Effect.tapErrorCause(Effect.logError), Effect.ignore))
      const ownI2p = { services: 0n, network: NetAddress.NetworkId.I2P, address: i2pHash, port: 0 }
      const proxy = yield* socks5Responder({
        names: {
          [NetAddress.hostToString(bcoinOnion)]: { host: btc.host, port: btc.port },
          [NetAddress.hostToString(ownI2p)]: { host: "127.0.0.1", port: ours.port }
        }
      })
      const tor = Socks5Transport.makeTor({
        proxy: { host: "127.0.0.1", port: proxy.port },
        dialTimeout: WAIT,
        reachable: [NetAddress.NetworkId.TorV3, NetAddress.NetworkId.I2P]
      })
      // From here on (listeners are up: `listen` looks its host up, even an address) nothing may be looked up.
      const lookups = yield* recordLookups

      // 1. Our node, by its I2P name; the onion address arrives by gossip.
      const learned = yield* Effect.scoped(Effect.gen(function*() {
        const peer = yield* Peer.start(yield* tor.dial(ownI2p), { direction: "outbound", config: { params, userAgentComments: ["dialer"] } })
        const addrs = yield* peer.subscribe("AddrV2")
        const info = yield* peer.handshake
        const first = yield* Stream.runHead(addrs).pipe(
          Effect.timeoutFail({ duration: WAIT, onTimeout: () => new Error("no addrv2 from our own node") })
        )
        return { addresses: Option.getOrThrow(first).addresses, remoteAgent: info.userAgent }
      }))
      // Both ends saw the other: the tunnel reached our node, not something else.
      expect(learned.remoteAgent).toContain("own-node")
      expect(inbound).toHaveLength(1)
      expect(inbound[0]).toContain("dialer")
      const onion = learned.addresses.find((a) => a.network === NetAddress.NetworkId.TorV3)!
      expect(NetAddress.toString(onion)).toBe(NetAddress.toString(bcoinOnion))

      // 2. bcoin, at the onion address learned from gossip.
      const synced = yield* syncHeaders(tor.dial(onion))
      expect(synced).toMatchObject({ headers: BLOCKS, startHeight: BLOCKS })

      // What the "Tor" proxy saw: two names, each connection with credentials of its own; no local lookup.
      expect(proxy.requests.map((r) => [r.atyp, r.host, r.port])).toEqual([
        [3, NetAddress.hostToString(ownI2p), 0],
        [3, NetAddress.hostToString(bcoinOnion), 18444]
      ])
      expect(proxy.requests[0]!.username).not.toBe(proxy.requests[1]!.username)
      expect(proxy.requests[0]!.password).not.toBe(proxy.requests[1]!.password)
      expect(lookups).toEqual([])
    }), { timeout: 30_000 })

  it.scopedLive("stream isolation: three peers to bcoin over one Tor proxy, three sets of credentials", () =>
    Effect.gen(function*() {
      const onion = { services: 0n, network: NetAddress.NetworkId.TorV3, address: onionKey, port: 18444 }
      const proxy = yield* socks5Responder({ names: { [NetAddress.hostToString(onion)]: { host: btc.host, port: btc.port } } })
      const tor = Socks5Transport.makeTor({ proxy: { host: "127.0.0.1", port: proxy.port }, dialTimeout: WAIT })
      const peers = yield* Effect.forEach([1, 2, 3], () =>
        Effect.gen(function*() {
          return yield* Peer.make(yield* tor.dial(onion), { direction: "outbound", config: { params } })
        }))
      expect(peers.map((p) => p.info.startHeight)).toEqual([BLOCKS, BLOCKS, BLOCKS])
      expect(new Set(proxy.requests.map((r) => `${r.username}\u0000${r.password}`)).size).toBe(3)
      expect(proxy.open()).toBe(3)
    }), { timeout: 30_000 })

  it.scopedLive("an onion name the proxy cannot reach is HostUnreachable, and other peers through the proxy are unaffected", () =>
    Effect.gen(function*() {
      const known = { services: 0n, network: NetAddress.NetworkId.TorV3, address: onionKey, port: 18444 }
      const unknown = { ...known, address: new Uint8Array(32).fill(9) }
      const proxy = yield* socks5Responder({ names: { [NetAddress.hostToString(known)]: { host: btc.host, port: btc.port } } })
      const tor = Socks5Transport.makeTor({ proxy: { host: "127.0.0.1", port: proxy.port }, dialTimeout: WAIT })
      const peer = yield* Peer.make(yield* tor.dial(known), { direction: "outbound", config: { params } })
      const r = yield* Effect.either(Effect.scoped(tor.dial(unknown)))
      expect(Either.isLeft(r) && r.left.cause).toMatchObject({ reason: "HostUnreachable", code: 4, target: NetAddress.toString(unknown) })
      const headers = yield* peer.getHeaders([params.genesisHash])
      expect(headers.headers.length).toBe(BLOCKS)
    }), { timeout: 30_000 })
})

describe("the network layer over Socks5Transport", () => {
  it.scopedLive("connects to a manual onion peer (bcoin) through a Tor-like proxy, with no local lookup", () =>
    Effect.gen(function*() {
      const onion = { services: 0n, network: NetAddress.NetworkId.TorV3, address: new Uint8Array(32).fill(0x5a), port: 18444 }
      const proxy = yield* socks5Responder({ names: { [NetAddress.hostToString(onion)]: { host: btc.host, port: btc.port } } })
      const lookups = yield* recordLookups
      // v1: bcoin 1.0.2 bans the host of a connection that opens with a v2 key (see network.test.ts).
      const network = Network.layer({ peer: { params }, manualPeers: [onion], connectOnly: true, transportMode: "v1" }).pipe(
        Layer.provide(Layer.mergeAll(
          Socks5Transport.layerTor({ proxy: { host: "127.0.0.1", port: proxy.port }, dialTimeout: WAIT }),
          AddressBook.layerMemory(),
          recordingResolver(lookups)
        ))
      )
      const connected = yield* Effect.gen(function*() {
        const connector = yield* Connector
        const events = yield* Queue.unbounded<PeerEvent>()
        yield* Effect.forkScoped(Stream.runForEach(yield* connector.subscribeEvents, (e) => Queue.offer(events, e)))
        return yield* Queue.take(events).pipe(
          Effect.timeoutFail({ duration: WAIT, onTimeout: () => new Error("no Connected event") })
        )
      }).pipe(Effect.provide(network))
      expect(connected._tag).toBe("Connected")
      if (connected._tag === "Connected") {
        expect(connected.peer.remote).toBe(NetAddress.toString(onion))
        expect(connected.info.startHeight).toBe(BLOCKS)
      }
      expect(proxy.requests.map((r) => [r.atyp, r.host, r.port])).toEqual([[3, NetAddress.hostToString(onion), 18444]])
      expect(lookups).toEqual([])
    }), { timeout: 30_000 })
})

describe("reachable networks through Socks5Transport", () => {
  it.scopedLive("onion only: of bcoin's clearnet and onion addresses in the book, the connector dials only the onion", () =>
    Effect.gen(function*() {
      const onion = { services: 0n, network: NetAddress.NetworkId.TorV3, address: new Uint8Array(32).fill(0x6b), port: 18444 }
      const proxy = yield* socks5Responder({ names: { [NetAddress.hostToString(onion)]: { host: btc.host, port: btc.port } } })
      const lookups = yield* recordLookups
      const tor = Socks5Transport.makeTor({
        proxy: { host: "127.0.0.1", port: proxy.port },
        dialTimeout: WAIT,
        reachable: [NetAddress.NetworkId.TorV3]
      })
      expect([...tor.reachable]).toEqual([NetAddress.NetworkId.TorV3])
      const book = yield* AddressBook.make({ allowLocal: true })
      yield* book.add([bcoinAddress(), onion], "user")
      const network = Network.layer({ peer: { params }, targetOutbound: 2, transportMode: "v1" }).pipe(
        Layer.provide(Layer.mergeAll(
          Layer.succeed(Transport.Transport, tor),
          Layer.succeed(AddressBook.AddressBook, book),
          recordingResolver(lookups)
        ))
      )
      const connected = yield* Effect.gen(function*() {
        const connector = yield* Connector
        const events = yield* Queue.unbounded<PeerEvent>()
        yield* Effect.forkScoped(Stream.runForEach(yield* connector.subscribeEvents, (e) => Queue.offer(events, e)))
        const event = yield* Queue.take(events).pipe(
          Effect.timeoutFail({ duration: WAIT, onTimeout: () => new Error("no Connected event") })
        )
        return { event, peers: (yield* connector.peers).map((p) => p.remote) }
      }).pipe(Effect.provide(network))
      expect(connected.event._tag).toBe("Connected")
      expect(connected.peers).toEqual([NetAddress.toString(onion)])
      // Every dial goes through this transport, and the proxy saw only the onion.
      expect(proxy.requests.map((r) => r.host)).toEqual([NetAddress.hostToString(onion)])
      // A clearnet address is refused before anything is opened.
      const direct = yield* Effect.either(Effect.scoped(tor.dial(bcoinAddress())))
      expect(Either.isLeft(direct) && direct.left.reason).toBe("Unsupported")
      expect(proxy.requests).toHaveLength(1)
      expect(lookups).toEqual([])
    }), { timeout: 30_000 })
})
