/**
 * Reachable networks over real loopback sockets, with the test SOCKS5
 * responder standing in for Tor: Core's `-proxy` (everything through the
 * proxy), `-onion` (onions through their own port, the rest direct),
 * `-onlynet`; and seeding through the proxy (the seed's name dialled through
 * it, `getaddr`, disconnect) with no local lookup.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as AddressBook from "../../src/network/AddressBook.js"
import * as DnsSeeder from "../../src/network/DnsSeeder.js"
import * as NodeTransport from "../../src/node/NodeTransport.js"
import * as ReachableNetworks from "../../src/node/ReachableNetworks.js"
import * as Peer from "../../src/peer/Peer.js"
import * as PeerConfig from "../../src/peer/PeerConfig.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Message from "../../src/wire/Message.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { socks5Responder } from "./socks5Responder.js"
import { recordLookups } from "../support/dns.js"

const WAIT = Duration.seconds(20)
const { IPv4, IPv6, TorV3 } = NetAddress.NetworkId
const onionOf = (fill: number, port = 18444): NetAddress.NetAddressFields => ({
  services: 0n,
  network: TorV3,
  address: new Uint8Array(32).fill(fill),
  port
})
const local = (port: number) => NetAddress.fromHost("127.0.0.1", port)!

/** Waits (under `WAIT`) until `condition` holds; polls every 20 ms on the real clock. */
const eventually = (what: string, condition: Effect.Effect<boolean>) =>
  Effect.gen(function*() {
    while (!(yield* condition)) yield* Effect.sleep("20 millis")
  }).pipe(Effect.timeoutFail({ duration: WAIT, onTimeout: () => new Error(`timed out waiting for ${what}`) }))


/** A TCP listener on 127.0.0.1 that counts accepted connections and holds each until the client leaves. */
const countingListener = Effect.gen(function*() {
  let accepted = 0
  const bound = yield* NodeTransport.make().listen("127.0.0.1", 0, () =>
    Effect.sync(() => accepted++).pipe(Effect.zipRight(Effect.sleep("200 millis"))))
  return { port: bound.port, accepted: () => accepted }
})

describe("ReachableNetworks", () => {
  it.scopedLive("nothing set: IPv4 and IPv6 direct, onions unreachable", () =>
    Effect.gen(function*() {
      const target = yield* countingListener
      const transport = ReachableNetworks.make()
      expect([...transport.reachable].sort()).toEqual([IPv4, IPv6])
      expect(transport.dialName).toBeUndefined()
      yield* Effect.scoped(transport.dial(local(target.port)))
      yield* eventually("the direct connection", Effect.sync(() => target.accepted() === 1))
      const onion = yield* Effect.either(Effect.scoped(transport.dial(onionOf(1))))
      expect(Either.isLeft(onion) && onion.left.reason).toBe("Unsupported")
    }))

  it.scopedLive("proxy (Core's -proxy): IPv4 and onions both through the proxy, nothing direct", () =>
    Effect.gen(function*() {
      const target = yield* countingListener
      const onion = onionOf(2)
      const proxy = yield* socks5Responder({ names: { [NetAddress.hostToString(onion)]: { host: "127.0.0.1", port: target.port } } })
      const transport = ReachableNetworks.make({ proxy: { host: "127.0.0.1", port: proxy.port } })
      expect([...transport.reachable].sort()).toEqual([IPv4, IPv6, TorV3])
      yield* Effect.scoped(transport.dial(local(target.port)))
      yield* Effect.scoped(transport.dial(onion))
      yield* eventually("both tunnels", Effect.sync(() => target.accepted() === 2))
      expect(proxy.requests.map((r) => [r.atyp, r.host])).toEqual([[1, "127.0.0.1"], [3, NetAddress.hostToString(onion)]])
      // Stream isolation: each connection its own credentials.
      expect(proxy.requests[0]!.username).toBeDefined()
      expect(proxy.requests[0]!.username).not.toBe(proxy.requests[1]!.username)
    }))

  it.scopedLive("onion (Core's -onion): onions through the Tor port, IPv4 direct; the Tor port never sees clearnet", () =>
    Effect.gen(function*() {
      const target = yield* countingListener
      const onion = onionOf(3)
      const tor = yield* socks5Responder({ names: { [NetAddress.hostToString(onion)]: { host: "127.0.0.1", port: target.port } } })
      const transport = ReachableNetworks.make({ onion: { host: "127.0.0.1", port: tor.port } })
      expect([...transport.reachable].sort()).toEqual([IPv4, IPv6, TorV3])
      expect(transport.dialName).toBeUndefined()
      yield* Effect.scoped(transport.dial(local(target.port)))
      yield* Effect.scoped(transport.dial(onion))
      yield* eventually("direct and onion connections", Effect.sync(() => target.accepted() === 2))
      expect(tor.requests.map((r) => [r.atyp, r.host])).toEqual([[3, NetAddress.hostToString(onion)]])
    }))

  it.scopedLive("onlynet: only the listed networks are reachable, whatever dialers are configured", () =>
    Effect.gen(function*() {
      const target = yield* countingListener
      const tor = yield* socks5Responder({ names: {} })
      const transport = ReachableNetworks.make({
        proxy: { host: "127.0.0.1", port: tor.port },
        onlynet: [ReachableNetworks.networkByName.onion!]
      })
      expect([...transport.reachable]).toEqual([TorV3])
      const clear = yield* Effect.either(Effect.scoped(transport.dial(local(target.port))))
      expect(Either.isLeft(clear) && clear.left.reason).toBe("Unsupported")
      expect(tor.requests).toEqual([])
      expect(target.accepted()).toBe(0)
      // onlynet naming a network with no dialer leaves it unreachable (Core refuses such a config).
      expect([...ReachableNetworks.make({ onlynet: [TorV3] }).reachable]).toEqual([])
    }))

  it.scopedLive("proxyCredentials: \"none\" offers no authentication (Core's -proxyrandomize=0); fixed ones are sent on every connection", () =>
    Effect.gen(function*() {
      const target = yield* countingListener
      const open = yield* socks5Responder({})
      yield* Effect.scoped(ReachableNetworks.make({ proxy: { host: "127.0.0.1", port: open.port }, proxyCredentials: "none" }).dial(local(target.port)))
      expect(open.requests.map((r) => [r.methods, r.username])).toEqual([[[0], undefined]])
      const locked = yield* socks5Responder({ users: { alice: "s3cret" } })
      const fixed = ReachableNetworks.make({ proxy: { host: "127.0.0.1", port: locked.port }, proxyCredentials: { username: "alice", password: "s3cret" } })
      yield* Effect.scoped(fixed.dial(local(target.port)))
      yield* Effect.scoped(fixed.dial(local(target.port)))
      expect(locked.requests.map((r) => [r.username, r.password])).toEqual([["alice", "s3cret"], ["alice", "s3cret"]])
      yield* eventually("three tunnels", Effect.sync(() => target.accepted() === 3))
    }))
})

describe("DnsSeeder.layerThroughProxy", () => {
  const seedName = "seed.through-proxy.invalid" // RFC 6761: never resolves
  const params: ChainParams.ChainParams = { ...ChainParams.regtest, dnsSeeds: [seedName] }

  it.scopedLive("asks the seed by name through the proxy, books its getaddr answer, disconnects; no local lookup", () =>
    Effect.gen(function*() {
      const now = Math.floor(Date.now() / 1000)
      const gossip = [1, 2, 3, 4, 5].map((i) => ({ ...NetAddress.fromHost(`23.${i}.0.1`, 18444)!, time: now - 60 }))
      // The seed: a node of our own that answers each getaddr with five addresses, and notes when its peer leaves.
      const seedLeft = yield* Deferred.make<void>()
      let getaddrs = 0
      const seedNode = yield* NodeTransport.make().listen("127.0.0.1", 0, ({ remote, socket }) =>
        Effect.gen(function*() {
          const peer = yield* Peer.start(socket, { direction: "inbound", remote, config: { params, nonceRegistry: PeerConfig.makeNonceRegistry() } })
          const requests = yield* peer.subscribe("GetAddr")
          yield* peer.connected
          // A self-announcement first: one address is not the answer, the fetch must wait for the real one.
          yield* peer.send(Message.Addr.make({ addresses: [{ ...local(18444), time: now }] }))
          yield* Stream.runForEach(requests, () =>
            Effect.zipRight(Effect.sync(() => getaddrs++), peer.send(Message.Addr.make({ addresses: gossip }))))
        }).pipe(Effect.ignore, Effect.ensuring(Deferred.succeed(seedLeft, undefined))))
      const proxy = yield* socks5Responder({ names: { [seedName]: { host: "127.0.0.1", port: seedNode.port } } })
      const transport = ReachableNetworks.make({ proxy: { host: "127.0.0.1", port: proxy.port } })
      // From here on nothing may be looked up locally (the seeder has no DnsResolver at all).
      const lookups = yield* recordLookups
      const context = yield* Layer.build(
        DnsSeeder.layerThroughProxy({ peer: { params }, targetOutbound: 1 }, transport.dialName!).pipe(
          Layer.provideMerge(AddressBook.layerMemory({}))
        )
      )
      const book = Context.get(context, AddressBook.AddressBook)
      yield* eventually("the seed's addresses in the book", Effect.map(book.size, (n) => n === gossip.length))
      for (const a of gossip) expect(Option.isSome(yield* book.get(a))).toBe(true)
      // Disconnected once answered (Core's address-fetch connection).
      yield* Deferred.await(seedLeft).pipe(Effect.timeoutFail({ duration: WAIT, onTimeout: () => new Error("the seed connection stayed open") }))
      expect(getaddrs).toBe(1)
      expect(proxy.requests.map((r) => [r.atyp, r.host, r.port])).toEqual([[3, seedName, params.defaultPort]])
      expect(lookups).toEqual([])
    }))
})
