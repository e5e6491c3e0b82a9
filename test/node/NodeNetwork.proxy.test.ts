/**
 * `NodeNetwork.layer` / `layerConfig` with Core's `-proxy`, `-onion`,
 * `-onlynet` and `-proxyrandomize` as options and as `NETWORK_*`
 * environment settings, over loopback TCP with the test SOCKS5 responder:
 * which connections go through which proxy, with which credentials, that
 * the DNS seeds go to the proxy by name with no local lookup, and which
 * settings are refused. (The same against microsocks and bcoin:
 * test/interop/proxyToBcoin.test.ts.)
 */
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { createRequire, syncBuiltinESMExports } from "node:module"
import { Connector, type PeerEvent } from "../../src/network/Connector.js"
import { DnsSeeder } from "../../src/network/DnsSeeder.js"
import * as NodeNetwork from "../../src/node/NodeNetwork.js"
import * as ReachableNetworks from "../../src/node/ReachableNetworks.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { socks5Responder } from "./socks5Responder.js"
import { recordLookups } from "../support/dns.js"
import { ownNode } from "../support/tcp.js"

const WAIT = Duration.seconds(20)
const { IPv4, TorV3 } = NetAddress.NetworkId

const fromEnv = (env: Record<string, string>) => ConfigProvider.fromMap(new Map(Object.entries(env)))
const withEnv = (env: Record<string, string>) => Layer.setConfigProvider(fromEnv(env))
const readConfig = (env: Record<string, string>) => Effect.withConfigProvider(Effect.either(ReachableNetworks.config), fromEnv(env))

const onion = NetAddress.hostToString({ network: TorV3, address: new Uint8Array(32).fill(0x6b) })

/** Waits (under `WAIT`) until `condition` holds; polls every 20 ms on the real clock. */
const eventually = (what: string, condition: Effect.Effect<boolean>) =>
  Effect.gen(function*() {
    while (!(yield* condition)) yield* Effect.sleep("20 millis")
  }).pipe(Effect.timeoutFail({ duration: WAIT, onTimeout: () => new Error(`timed out waiting for ${what}`) }))


/** Builds `layer` in the test's scope and collects its connector's events. */
const startNetwork = <E>(layer: Layer.Layer<Connector, E>) =>
  Effect.gen(function*() {
    const connector = Context.get(yield* Layer.build(layer), Connector)
    const events: Array<PeerEvent> = []
    yield* Effect.forkScoped(Stream.runForEach(yield* connector.subscribeEvents, (e) => Effect.sync(() => events.push(e))))
    const connected = (remote: string) => Effect.sync(() => events.some((e) => e._tag === "Connected" && e.peer.remote === remote))
    return { connector, events, connected }
  })


describe("NodeNetwork.layer with a proxy", () => {
  it.scopedLive("proxy: the manual peer is reached through the proxy only, each connection with its own credentials", () =>
    Effect.gen(function*() {
      const node = yield* ownNode
      const proxy = yield* socks5Responder({})
      const network = yield* startNetwork(NodeNetwork.layer({
        peer: { params: ChainParams.regtest },
        proxy: { host: "127.0.0.1", port: proxy.port },
        manualPeers: [NetAddress.fromHost("127.0.0.1", node.port)!],
        connectOnly: true
      }))
      yield* eventually("the peer through the proxy", network.connected(`127.0.0.1:${node.port}`))
      expect(proxy.requests.map((r) => [r.atyp, r.host, r.port])[0]).toEqual([1, "127.0.0.1", node.port])
      expect(proxy.requests[0]!.username).toMatch(/^[0-9a-f]{32}$/)
      // Every connection the node accepted came through the proxy.
      expect(node.accepted()).toBe(proxy.requests.length)
    }))

  it.scopedLive("proxy: the DNS seeds go to the proxy by name; nothing is looked up locally", () =>
    Effect.gen(function*() {
      const seed = "seed.proxied.invalid" // RFC 6761: never resolves
      const proxy = yield* socks5Responder({}) // knows no name: host unreachable
      // From here on (the responder's own listen looks up its host) nothing may be looked up locally.
      const lookups = yield* recordLookups
      yield* startNetwork(NodeNetwork.layer({
        peer: { params: { ...ChainParams.regtest, dnsSeeds: [seed] } },
        proxy: { host: "127.0.0.1", port: proxy.port },
        targetOutbound: 1
      }))
      yield* eventually("the seed's name at the proxy", Effect.sync(() => proxy.requests.some((r) => r.atyp === 3 && r.host === seed)))
      expect(lookups).toEqual([])
    }))

  it.scopedLive("onion + onlynet onion: the onion through the Tor port, the clearnet manual peer never dialled", () =>
    Effect.gen(function*() {
      const node = yield* ownNode
      const tor = yield* socks5Responder({ names: { [onion]: { host: "127.0.0.1", port: node.port } } })
      const network = yield* startNetwork(NodeNetwork.layer({
        peer: { params: ChainParams.regtest },
        onion: { host: "127.0.0.1", port: tor.port },
        onlynet: [TorV3],
        manualPeers: [NetAddress.fromHost("127.0.0.1", node.port)!, NetAddress.fromHost(onion, 18444)!],
        connectOnly: true
      }))
      yield* eventually("the onion peer", network.connected(`${onion}:18444`))
      expect(tor.requests.every((r) => r.atyp === 3 && r.host === onion)).toBe(true)
      expect(node.accepted()).toBe(tor.requests.length)
    }))
})

/**
 * Every name `NodeDnsResolver` looks up (`node:dns/promises`) while the scope is open; each
 * fails at once as not found, so nothing leaves the machine.
 */
const recordSystemLookups = Effect.acquireRelease(
  Effect.sync(() => {
    const lookups: Array<string> = []
    const dns = createRequire(import.meta.url)("node:dns/promises") as { lookup: (...args: Array<any>) => Promise<unknown> }
    const original = dns.lookup
    dns.lookup = (host: string) => {
      lookups.push(host)
      return Promise.reject(Object.assign(new Error(`not found: ${host}`), { code: "ENOTFOUND" }))
    }
    syncBuiltinESMExports()
    return { lookups, restore: () => (dns.lookup = original, syncBuiltinESMExports()) }
  }),
  (r) => Effect.sync(r.restore)
).pipe(Effect.map((r) => r.lookups))

describe("NodeNetwork.layer: DNS seeds without a proxy", () => {
  const seed = "seed.direct.invalid"
  const seedOnce = (options: NodeNetwork.NodeOptions) =>
    Effect.gen(function*() {
      const context = yield* Layer.build(NodeNetwork.layer({ peer: { params: { ...ChainParams.regtest, dnsSeeds: [seed] } }, targetOutbound: 1, ...options }))
      yield* Context.get(context, DnsSeeder).seed
    })

  it.scopedLive("onion with clearnet reachable: the seeds are looked up locally, as Core does without a name proxy", () =>
    Effect.gen(function*() {
      const lookups = yield* recordSystemLookups
      yield* seedOnce({ onion: { host: "127.0.0.1", port: 9 } })
      expect(lookups).toContain(seed)
    }))

  it.scopedLive("onlynet onion: no lookup at all (the answers could not be dialled; a lookup would only say we run a node)", () =>
    Effect.gen(function*() {
      const lookups = yield* recordSystemLookups
      yield* seedOnce({ onion: { host: "127.0.0.1", port: 9 }, onlynet: [TorV3] })
      expect(lookups).toEqual([])
    }))
})

describe("NodeNetwork.layerConfig with a proxy", () => {
  it.scopedLive("NETWORK_PROXY with NETWORK_PROXY_USERNAME/PASSWORD: fixed credentials on every connection", () =>
    Effect.gen(function*() {
      const node = yield* ownNode
      const proxy = yield* socks5Responder({ users: { alice: "s3cret" } })
      const network = yield* startNetwork(NodeNetwork.layerConfig().pipe(Layer.provide(withEnv({
        PEER_NETWORK: "regtest",
        NETWORK_CONNECT: `127.0.0.1:${node.port}`,
        NETWORK_PROXY: `127.0.0.1:${proxy.port}`,
        NETWORK_PROXY_USERNAME: "alice",
        NETWORK_PROXY_PASSWORD: "s3cret"
      }))))
      yield* eventually("the peer through the proxy", network.connected(`127.0.0.1:${node.port}`))
      expect(proxy.requests.length).toBeGreaterThan(0)
      expect(proxy.requests.every((r) => r.username === "alice" && r.password === "s3cret")).toBe(true)
      expect(node.accepted()).toBe(proxy.requests.length)
    }))

  it.scopedLive("NETWORK_ONION, NETWORK_ONLYNET=onion, NETWORK_PROXY_RANDOMIZE=false: the onion without credentials, nothing clearnet", () =>
    Effect.gen(function*() {
      const node = yield* ownNode
      const tor = yield* socks5Responder({ names: { [onion]: { host: "127.0.0.1", port: node.port } } })
      const network = yield* startNetwork(NodeNetwork.layerConfig().pipe(Layer.provide(withEnv({
        PEER_NETWORK: "regtest",
        NETWORK_CONNECT: `127.0.0.1:${node.port},${onion}:18444`,
        NETWORK_ONION: `127.0.0.1:${tor.port}`,
        NETWORK_ONLYNET: "onion",
        NETWORK_PROXY_RANDOMIZE: "false"
      }))))
      yield* eventually("the onion peer", network.connected(`${onion}:18444`))
      expect(tor.requests.map((r) => [r.methods, r.username, r.host])[0]).toEqual([[0], undefined, onion])
      expect(node.accepted()).toBe(tor.requests.length)
    }))
})

describe("ReachableNetworks.config", () => {
  it.effect("nothing set: nothing configured (direct TCP, random credentials once a proxy is set)", () =>
    Effect.gen(function*() {
      expect(yield* readConfig({})).toEqual(Either.right({ proxy: undefined, onion: undefined, onlynet: undefined, proxyCredentials: undefined }))
    }))

  it.effect("reads Core's settings: a proxy without a port is on 9050, IPv6 in brackets, onlynet a list of names", () =>
    Effect.gen(function*() {
      const r = yield* readConfig({ NETWORK_PROXY: "127.0.0.1", NETWORK_ONION: "[::1]:9150", NETWORK_ONLYNET: "ipv4, onion", NETWORK_PROXY_RANDOMIZE: "false" })
      expect(r).toEqual(Either.right({
        proxy: { host: "127.0.0.1", port: 9050 },
        onion: { host: "::1", port: 9150 },
        onlynet: [IPv4, TorV3],
        proxyCredentials: "none"
      }))
      const fixed = yield* readConfig({ NETWORK_PROXY_USERNAME: "u", NETWORK_PROXY_PASSWORD: "p", NETWORK_PROXY_RANDOMIZE: "true" })
      expect(Either.map(fixed, (c) => c.proxyCredentials)).toEqual(Either.right({ username: "u", password: "p" }))
    }))

  it.effect("refuses a proxy by name (it would be looked up locally), a bad port, an unknown network, half a credential pair", () =>
    Effect.gen(function*() {
      for (
        const env of [
          { NETWORK_PROXY: "localhost:9050" },
          { NETWORK_PROXY: "127.0.0.1:0" },
          { NETWORK_ONION: "127.0.0.1:65536" },
          { NETWORK_ONION: "abc.onion:9050" },
          { NETWORK_ONLYNET: "ipv4,moon" },
          { NETWORK_PROXY_USERNAME: "alice" },
          { NETWORK_PROXY_PASSWORD: "s3cret" }
        ]
      ) {
        const r = yield* readConfig(env)
        expect(Either.isLeft(r), JSON.stringify(env)).toBe(true)
      }
    }))

  it.scopedLive("layerConfig fails with the ConfigError, before any connection", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Layer.build(NodeNetwork.layerConfig().pipe(Layer.provide(withEnv({ PEER_NETWORK: "regtest", NETWORK_ONLYNET: "moon" })))))
      expect(exit._tag === "Failure" && String(exit.cause)).toContain("moon")
    }))
})
