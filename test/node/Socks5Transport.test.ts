/**
 * `Socks5Transport` against the test responder (./socks5Responder.ts) on
 * 127.0.0.1: data flows both ways through the tunnel, by IPv4, IPv6, name,
 * onion and I2P address; every way a proxy fails is a typed error; names are
 * never resolved locally; Tor stream isolation gives every connection its
 * own credentials; the dial timeout covers the negotiation.
 *
 * Real-server tests (microsocks, bcoin) are in test/interop/socks5.test.ts.
 */
import { describe, expect, it } from "@effect/vitest"
import type * as Socket from "@effect/platform/Socket"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import { createRequire } from "node:module"
import * as Net from "node:net"
import { DirectWrite } from "../../src/internal/peer/DirectWrite.js"
import * as DnsResolver from "../../src/network/DnsResolver.js"
import * as Transport from "../../src/network/Transport.js"
import * as Socks5Transport from "../../src/node/Socks5Transport.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { closedPort } from "../support/tcp.js"
import { socks5Responder } from "./socks5Responder.js"

const WAIT = Duration.seconds(10)

/** A TCP server on 127.0.0.1 that greets with `hello` and echoes what it gets; stopped with the scope. */
const echoServer = (host = "127.0.0.1") =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: Net.Server; readonly port: number; readonly conns: Set<Net.Socket> }>((resume) => {
      const conns = new Set<Net.Socket>()
      const server = Net.createServer((c) => {
        conns.add(c)
        c.on("close", () => conns.delete(c))
        c.on("error", () => {})
        c.write("hello|")
        c.pipe(c)
      })
      server.listen(0, host, () => resume(Effect.succeed({ server, conns, port: (server.address() as Net.AddressInfo).port })))
    }),
    ({ conns, server }) =>
      Effect.async<void>((resume) => {
        for (const c of conns) c.destroy()
        server.close(() => resume(Effect.void))
      })
  )

/** A port nobody listens on. */

/** Writes `text` and collects what comes back until `expected` is in; fails after WAIT. */
const exchange = (socket: Socket.Socket, text: string, expected: string) =>
  Effect.gen(function*() {
    let received = ""
    const done = yield* Effect.makeLatch(false)
    const decoder = new TextDecoder()
    yield* Effect.forkScoped(socket.run((chunk) => {
      received += decoder.decode(chunk)
      if (received.includes(expected)) done.unsafeOpen()
    }))
    const write = yield* socket.writer
    yield* write(new TextEncoder().encode(text))
    yield* done.await.pipe(Effect.timeoutFail({ duration: WAIT, onTimeout: () => new Error(`got only ${JSON.stringify(received)}`) }))
    return received
  })

/** Polls `condition` (real sockets: real time) until it holds, failing after WAIT. */
const waitUntil = (condition: () => boolean, failure: string) =>
  Effect.gen(function*() {
    while (!condition()) yield* Effect.sleep(Duration.millis(10))
  }).pipe(Effect.timeoutFail({ duration: WAIT, onTimeout: () => new Error(failure) }))

const socks5Reason = (e: Transport.TransportError) => (e.cause instanceof Socks5Transport.Socks5Error ? e.cause.reason : undefined)

const proxyAt = (port: number) => ({ host: "127.0.0.1", port })

const ALL = [NetAddress.NetworkId.IPv4, NetAddress.NetworkId.IPv6, NetAddress.NetworkId.TorV3, NetAddress.NetworkId.I2P]

const ONION = (fill: number) => NetAddress.hostToString({ network: NetAddress.NetworkId.TorV3, address: new Uint8Array(32).fill(fill) })
const I2P = (fill: number) => NetAddress.hostToString({ network: NetAddress.NetworkId.I2P, address: new Uint8Array(32).fill(fill) })

describe("Socks5Transport", () => {
  it.scopedLive("tunnels to IPv4 and IPv6 addresses, and the socket is NodeTransport's (backpressure, DirectWrite)", () =>
    Effect.gen(function*() {
      const v4 = yield* echoServer("127.0.0.1")
      const v6 = yield* echoServer("::1")
      const proxy = yield* socks5Responder()
      const transport = Socks5Transport.make({ proxy: proxyAt(proxy.port) })
      const a = yield* transport.dial(NetAddress.fromHost("127.0.0.1", v4.port)!)
      expect(DirectWrite in a).toBe(true)
      expect(yield* exchange(a, "over-v4", "over-v4")).toBe("hello|over-v4")
      const b = yield* transport.dial(NetAddress.fromHost("::1", v6.port)!)
      expect(yield* exchange(b, "over-v6", "over-v6")).toBe("hello|over-v6")
      expect(proxy.requests.map((r) => [r.atyp, r.host, r.port])).toEqual([
        [1, "127.0.0.1", v4.port],
        [4, "0:0:0:0:0:0:0:1", v6.port]
      ])
      // No credentials configured: none offered.
      expect(proxy.requests.map((r) => r.methods)).toEqual([[0], [0]])
    }))

  it.scopedLive("bytes the peer sends in the same packet as the proxy's reply are read first", () =>
    Effect.gen(function*() {
      const target = yield* echoServer()
      const proxy = yield* socks5Responder({ coalesce: true })
      const socket = yield* Socks5Transport.make({ proxy: proxyAt(proxy.port) }).dial(NetAddress.fromHost("127.0.0.1", target.port)!)
      expect(yield* exchange(socket, "x", "|x")).toBe("hello|x")
    }))

  it.scopedLive("dials onion and I2P addresses by name, for the proxy to resolve", () =>
    Effect.gen(function*() {
      const target = yield* echoServer()
      const onion = ONION(1)
      const i2p = I2P(2)
      const local = { host: "127.0.0.1", port: target.port }
      const proxy = yield* socks5Responder({ names: { [onion]: local, [i2p]: local } })
      const transport = Socks5Transport.make({ proxy: proxyAt(proxy.port), reachable: ALL })
      const viaOnion = yield* transport.dial(NetAddress.fromHost(onion, 8333)!)
      expect(yield* exchange(viaOnion, "tor", "tor")).toBe("hello|tor")
      const viaI2p = yield* transport.dial(NetAddress.fromHost(i2p, 0)!)
      expect(yield* exchange(viaI2p, "i2p", "i2p")).toBe("hello|i2p")
      expect(proxy.requests.map((r) => [r.atyp, r.host, r.port])).toEqual([[3, onion, 8333], [3, i2p, 0]])
    }))

  it.scopedLive("never resolves a name locally: it goes to the proxy as a name, even one no resolver knows", () =>
    Effect.gen(function*() {
      const target = yield* echoServer()
      const name = "peer-through-proxy.invalid" // RFC 6761: never resolves
      const proxy = yield* socks5Responder({ names: { [name]: { host: "127.0.0.1", port: target.port } } })
      // Every local lookup path: Node's resolver (what `net.connect` calls for a name) and our DnsResolver service.
      const lookups: Array<string> = []
      const dns = createRequire(import.meta.url)("node:dns") as { lookup: (...args: Array<any>) => unknown }
      const original = dns.lookup
      yield* Effect.acquireRelease(
        Effect.sync(() => {
          dns.lookup = (host: string, ...rest: Array<any>) => {
            lookups.push(host)
            return original.call(dns, host, ...rest)
          }
        }),
        () => Effect.sync(() => (dns.lookup = original))
      )
      const resolver = DnsResolver.makeStatic({})
      const recording = Layer.succeed(DnsResolver.DnsResolver, {
        resolve: (hostname) => Effect.zipRight(Effect.sync(() => lookups.push(hostname)), resolver.resolve(hostname))
      })
      const socket = yield* Socks5Transport.make({ proxy: proxyAt(proxy.port) }).dialName(name, 8333).pipe(Effect.provide(recording))
      expect(yield* exchange(socket, "no-leak", "no-leak")).toBe("hello|no-leak")
      const onion = yield* Socks5Transport.make({ proxy: proxyAt(proxy.port) }).dialName(ONION(3), 9).pipe(Effect.either)
      expect(Either.isLeft(onion) && socks5Reason(onion.left)).toBe("HostUnreachable")
      expect(proxy.requests.map((r) => [r.atyp, r.host])).toEqual([[3, name], [3, ONION(3)]])
      expect(lookups).toEqual([])
      // An address literal given as a name is sent as an address.
      yield* Socks5Transport.make({ proxy: proxyAt(proxy.port) }).dialName("127.0.0.1", target.port)
      expect(proxy.requests[2]).toMatchObject({ atyp: 1, host: "127.0.0.1", port: target.port })
    }))

  it.scopedLive("Tor stream isolation: every connection authenticates with credentials of its own", () =>
    Effect.gen(function*() {
      const target = yield* echoServer()
      const proxy = yield* socks5Responder()
      const tor = Socks5Transport.makeTor({ proxy: proxyAt(proxy.port) })
      for (let i = 0; i < 4; i++) {
        const socket = yield* tor.dial(NetAddress.fromHost("127.0.0.1", target.port)!)
        yield* exchange(socket, `c${i}`, `c${i}`)
      }
      expect(proxy.requests.every((r) => r.methods.includes(2))).toBe(true)
      const pairs = proxy.requests.map((r) => `${r.username}:${r.password}`)
      expect(proxy.requests.every((r) => (r.username?.length ?? 0) > 0 && (r.password?.length ?? 0) > 0)).toBe(true)
      expect(new Set(pairs).size).toBe(4)
      expect(new Set(proxy.requests.map((r) => r.username)).size).toBe(4)
    }))

  it.scopedLive("fixed credentials: accepted, a wrong password is AuthFailed, none at all is NoAcceptableMethod", () =>
    Effect.gen(function*() {
      const target = yield* echoServer()
      const proxy = yield* socks5Responder({ users: { alice: "s3cret" } })
      const to = NetAddress.fromHost("127.0.0.1", target.port)!
      const ok = yield* Socks5Transport.make({ proxy: proxyAt(proxy.port), credentials: { username: "alice", password: "s3cret" } }).dial(to)
      expect(yield* exchange(ok, "authed", "authed")).toBe("hello|authed")
      const wrong = yield* Effect.either(Socks5Transport.make({ proxy: proxyAt(proxy.port), credentials: { username: "alice", password: "nope" } }).dial(to))
      expect(Either.isLeft(wrong) && [wrong.left.reason, socks5Reason(wrong.left), (wrong.left.cause as Socks5Transport.Socks5Error).code])
        .toEqual(["Unreachable", "AuthFailed", 1])
      const none = yield* Effect.either(Socks5Transport.make({ proxy: proxyAt(proxy.port) }).dial(to))
      expect(Either.isLeft(none) && socks5Reason(none.left)).toBe("NoAcceptableMethod")
      // Isolation credentials are not the configured ones: Tor accepts any, this proxy does not.
      const isolated = yield* Effect.either(Socks5Transport.makeTor({ proxy: proxyAt(proxy.port) }).dial(to))
      expect(Either.isLeft(isolated) && socks5Reason(isolated.left)).toBe("AuthFailed")
    }))

  it.scopedLive("each CONNECT reply code is a typed error naming the target and the proxy", () =>
    Effect.gen(function*() {
      const reasons: Array<[number, string]> = [
        [1, "GeneralFailure"],
        [2, "NotAllowed"],
        [3, "NetworkUnreachable"],
        [4, "HostUnreachable"],
        [5, "ConnectionRefused"],
        [6, "TtlExpired"],
        [7, "CommandNotSupported"],
        [8, "AddressTypeNotSupported"],
        [0x42, "UnknownReply"]
      ]
      for (const [code, reason] of reasons) {
        const proxy = yield* socks5Responder({ failWith: code })
        const r = yield* Effect.either(Socks5Transport.make({ proxy: proxyAt(proxy.port) }).dial(NetAddress.fromHost("10.0.0.1", 8333)!))
        expect(Either.isLeft(r) && r.left.cause).toMatchObject({ _tag: "Socks5Error", reason, code, target: "10.0.0.1:8333", proxy: `127.0.0.1:${proxy.port}` })
        expect(Either.isLeft(r) && r.left.reason).toBe("Unreachable")
      }
    }))

  it.scopedLive("real failures through the proxy: a refused port, an unknown name", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(closedPort)
      const proxy = yield* socks5Responder()
      const transport = Socks5Transport.make({ proxy: proxyAt(proxy.port) })
      const refused = yield* Effect.either(transport.dial(NetAddress.fromHost("127.0.0.1", port)!))
      expect(Either.isLeft(refused) && socks5Reason(refused.left)).toBe("ConnectionRefused")
      const unknown = yield* Effect.either(transport.dialName("nowhere.invalid", 1))
      expect(Either.isLeft(unknown) && socks5Reason(unknown.left)).toBe("HostUnreachable")
    }))

  it.scopedLive("no proxy listening is ProxyUnreachable; a server that is not SOCKS5 is BadVersion; CJDNS and over-long names are Unsupported", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(closedPort)
      const to = NetAddress.fromHost("127.0.0.1", 1)!
      const none = yield* Effect.either(Socks5Transport.make({ proxy: proxyAt(port) }).dial(to))
      expect(Either.isLeft(none) && socks5Reason(none.left)).toBe("ProxyUnreachable")
      const notSocks = yield* echoServer() // answers "hello|": 'h' is no SOCKS version
      const bad = yield* Effect.either(Socks5Transport.make({ proxy: proxyAt(notSocks.port) }).dial(to))
      expect(Either.isLeft(bad) && [socks5Reason(bad.left), (bad.left.cause as Socks5Transport.Socks5Error).code]).toEqual(["BadVersion", 0x68])
      const cjdns = yield* Effect.either(Socks5Transport.make({ proxy: proxyAt(notSocks.port) }).dialName("fc00::1", 1))
      expect(Either.isLeft(cjdns) && [cjdns.left.reason, cjdns.left.cause]).toEqual(["Unsupported", undefined])
      const tooLong = yield* Effect.either(Socks5Transport.make({ proxy: proxyAt(notSocks.port) }).dialName(`${"a".repeat(250)}.invalid`, 1))
      expect(Either.isLeft(tooLong) && [tooLong.left.reason, socks5Reason(tooLong.left)]).toEqual(["Unsupported", "InvalidRequest"])
    }))

  it.scopedLive("the dial timeout covers the negotiation: a proxy that never answers is Timeout, and its connection is closed", () =>
    Effect.gen(function*() {
      const proxy = yield* socks5Responder({ hang: true })
      const transport = Socks5Transport.make({ proxy: proxyAt(proxy.port), dialTimeout: Duration.millis(300) })
      const r = yield* Effect.either(Effect.scoped(transport.dial(NetAddress.fromHost("127.0.0.1", 1)!)))
      expect(Either.isLeft(r) && [r.left.reason, socks5Reason(r.left)]).toEqual(["Timeout", "Timeout"])
      expect(proxy.requests).toHaveLength(1) // the CONNECT request was sent; its reply never came
      yield* waitUntil(() => proxy.clients() === 0, "the timed-out dial left its connection to the proxy open")
    }))

  it.scopedLive("closing the scope closes the tunnel", () =>
    Effect.gen(function*() {
      const target = yield* echoServer()
      const proxy = yield* socks5Responder()
      const transport = Socks5Transport.make({ proxy: proxyAt(proxy.port) })
      yield* Effect.scoped(Effect.gen(function*() {
        const socket = yield* transport.dial(NetAddress.fromHost("127.0.0.1", target.port)!)
        yield* exchange(socket, "bye", "bye")
        expect(proxy.open()).toBe(1)
      }))
      yield* waitUntil(() => proxy.open() === 0 && proxy.clients() === 0 && target.conns.size === 0, "tunnel still open")
    }))

  it.scopedLive("reachable: IPv4, IPv6 and onion by default; a network not listed is Unsupported without contacting the proxy", () =>
    Effect.gen(function*() {
      const proxy = yield* socks5Responder()
      const byDefault = Socks5Transport.make({ proxy: proxyAt(proxy.port) })
      expect([...byDefault.reachable].sort()).toEqual([NetAddress.NetworkId.IPv4, NetAddress.NetworkId.IPv6, NetAddress.NetworkId.TorV3])
      expect([...Socks5Transport.makeTor({ proxy: proxyAt(proxy.port) }).reachable].sort()).toEqual([...byDefault.reachable].sort())
      const i2p = yield* Effect.either(Effect.scoped(byDefault.dial(NetAddress.fromHost(I2P(4), 0)!)))
      expect(Either.isLeft(i2p) && [i2p.left.reason, i2p.left.cause]).toEqual(["Unsupported", undefined])
      const onionOnly = Socks5Transport.makeTor({ proxy: proxyAt(proxy.port), reachable: [NetAddress.NetworkId.TorV3, NetAddress.NetworkId.CJDNS] })
      expect([...onionOnly.reachable]).toEqual([NetAddress.NetworkId.TorV3]) // CJDNS cannot go through SOCKS5
      const v4 = yield* Effect.either(Effect.scoped(onionOnly.dial(NetAddress.fromHost("127.0.0.1", 1)!)))
      expect(Either.isLeft(v4) && v4.left.reason).toBe("Unsupported")
      expect(proxy.requests).toEqual([])
      expect(proxy.clients()).toBe(0)
    }))

  it.effect("layerTor provides the Transport service", () =>
    Effect.gen(function*() {
      const transport = yield* Transport.Transport
      expect(typeof transport.dial).toBe("function")
    }).pipe(Effect.provide(Socks5Transport.layerTor({ proxy: proxyAt(9050) }))))
})
