/**
 * Hostile probes, round three: a raw `node:net` attacker against our peers
 * (`listenPeers`) and the network layer's listener (`listenNetwork`) over
 * loopback TCP, for what the other hostile files do not send: framing
 * faults after the handshake, version fields at their edges, feature
 * messages with values out of range, floods whose answers are never read,
 * connections reset in a loop, a node dialling itself, a maximum-size frame
 * dribbled, our outbound peer against a hostile server (BIP-0324 probes:
 * probesV2.test.ts). Live clock but where the TestClock is named;
 * conditions awaited under generous deadlines, never timed.
 *
 * Findings kept here (each test failed before its fix): a negative
 * `feefilter` was recorded (and one above the network's MAX_MONEY); a remote pinging without reading made a peer
 * hold ~7x `maxQueuedBytes` in queued pongs.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { isMisbehaviour } from "../../src/peer/DisconnectReason.js"
import * as Frame from "../../src/wire/Frame.js"
import * as Message from "../../src/wire/Message.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import * as Peer from "../../src/peer/Peer.js"
import * as NodeTransport from "../../src/node/NodeTransport.js"
import { frame, handles, header, listenNetwork, listenPeers, loopback, MAGIC, mb, memory, MB, nextPeer, params, peerConfig, Raw, rawClient, rawServer, reasonWithin, versionMessage } from "../support/tcp.js"
import { concat } from "../support/wire.js"
import { connectRaw } from "../support/peer.js"

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)

/** A ping frame whose 12 command bytes are `command` (latin1, NUL-padded), with a correct checksum. */
const withCommandBytes = (command: string): Uint8Array => {
  const f = frame(Message.Ping.make({ nonce: 5n }))
  f.fill(0, 4, 16)
  f.set(Buffer.from(command, "latin1").subarray(0, 12), 4)
  return f
}

const payloadOf = (m: Message.NetworkMessage) => Either.getOrThrow(Message.encodePayloadEither(m))

/** A raw client of `listenPeers`' listener, through the handshake as an outbound node; with the peer it made. */
const handshaken = (port: number, accepted: Parameters<typeof nextPeer>[0]) =>
  Effect.gen(function*() {
    const raw = yield* rawClient(port)
    const { peer } = yield* nextPeer(accepted)
    yield* promise(() => raw.handshakeAsOutbound())
    return { raw, peer }
  })

/** 1,000 ping frames in one write. */
const pingBatch = () => concat(...Array.from({ length: 1000 }, (_, i) => frame(Message.Ping.make({ nonce: BigInt(i) }))))

/** Settles once the raw socket can take more (drain), it closed, or 100 ms passed. */
const writable = (raw: Raw) =>
  promise(() => Promise.race([new Promise((r) => raw.socket.once("drain", r)), raw.closed, new Promise((r) => setTimeout(r, 100))]))

describe("probe: framing faults after the handshake", () => {
  const cases: ReadonlyArray<{ readonly name: string; readonly bytes: () => Uint8Array; readonly reason: string }> = [
    { name: "a ping under another network's magic, mid-stream", bytes: () => Frame.encode(Uint8Array.of(0xf9, 0xbe, 0xb4, 0xd9), Message.Ping.make({ nonce: 1n })), reason: "BadMagic" },
    { name: "an empty command", bytes: () => withCommandBytes(""), reason: "BadCommand" },
    { name: "a command with bytes after its NUL (\"ping\\0x\")", bytes: () => withCommandBytes("ping\0x"), reason: "BadCommand" },
    { name: "a non-ASCII command (\"p\\xefng\")", bytes: () => withCommandBytes("p\xefng"), reason: "BadCommand" },
    { name: "a command starting with NUL", bytes: () => withCommandBytes("\0ping"), reason: "BadCommand" }
  ]
  it.scopedLive("each → DecodeError with its reason, misbehaviour, the socket closed; what came before it in the same write was answered", () =>
    Effect.gen(function*() {
      const { port, accepted } = yield* listenPeers(peerConfig())
      for (const c of cases) {
        const { raw, peer } = yield* handshaken(port, accepted)
        yield* promise(() => raw.write(concat(frame(Message.Ping.make({ nonce: 99n })), c.bytes())))
        const reason = yield* reasonWithin(peer, "15 seconds")
        expect(reason, c.name).toMatchObject({ _tag: "DecodeError", error: { reason: c.reason } })
        expect(isMisbehaviour(reason), c.name).toBe(true)
        expect(yield* promise(() => raw.closedWithin(10_000)), c.name).toBe(true)
        expect(raw.pongsReceived, c.name).toBe(1)
      }
    }), 60_000)

  it.scopedLive("no false alarm: a ping whose 24-byte header comes one byte per write, then its payload, is answered", () =>
    Effect.gen(function*() {
      const { port, accepted } = yield* listenPeers(peerConfig())
      const { raw, peer } = yield* handshaken(port, accepted)
      const ping = frame(Message.Ping.make({ nonce: 4242n }))
      for (let i = 0; i < Frame.HEADER_SIZE; i++) yield* promise(() => raw.write(ping.subarray(i, i + 1)))
      yield* promise(() => raw.write(ping.subarray(Frame.HEADER_SIZE)))
      expect((yield* promise(() => raw.take("Pong", 10_000))).nonce).toBe(4242n)
      expect(yield* peer.disconnectReason).toBeUndefined()
    }), 30_000)

  it.scopedLive("an unknown command of exactly the frame cap (4,000,000 bytes) is delivered whole; one byte more is refused on the header", () =>
    Effect.gen(function*() {
      const { port, accepted } = yield* listenPeers(peerConfig())
      const { raw, peer } = yield* handshaken(port, accepted)
      const unknowns = yield* peer.subscribe("Unknown")
      const payload = new Uint8Array(params.maxMessageSize).fill(7)
      yield* promise(() => raw.write(Frame.encodeRaw(MAGIC, "bigfuture", payload)))
      const got = Chunk.toReadonlyArray(yield* Stream.runCollect(Stream.take(unknowns, 1)).pipe(Effect.timeout("30 seconds")))
      expect(got[0]!.command).toBe("bigfuture")
      expect(got[0]!.payload.length).toBe(params.maxMessageSize)
      yield* promise(() => raw.write(header("bigfuture", params.maxMessageSize + 1)))
      expect(yield* reasonWithin(peer, "15 seconds")).toMatchObject({ _tag: "DecodeError", error: { reason: "OversizedFrame" } })
    }), 60_000)
})

describe("probe: version fields at their edges", () => {
  /** The version payload with its user agent replaced by `ua` (raw bytes, length prefixed by `prefix`). */
  const versionWithUserAgent = (prefix: Uint8Array, ua: Uint8Array) => {
    const v = payloadOf(versionMessage({ userAgent: "" }))
    // 80 fixed bytes, the empty user agent's 1-byte length, then start height and relay.
    return concat(v.subarray(0, 80), prefix, ua, v.subarray(81))
  }

  it.scopedLive("a user agent of 256 bytes is accepted; 257, or a length of 2^64 - 1, → DecodeError(CountTooLarge) before the bytes are read", () =>
    Effect.gen(function*() {
      const { port, accepted } = yield* listenPeers(peerConfig())
      const ok = yield* rawClient(port)
      const { peer: good } = yield* nextPeer(accepted)
      yield* promise(() => ok.write(Frame.encodeRaw(MAGIC, "version", versionWithUserAgent(Uint8Array.of(0xfd, 0x00, 0x01), new Uint8Array(256).fill(0x41)))))
      yield* promise(() => ok.take("Verack", 10_000))
      yield* promise(() => ok.send(Message.Verack.make({})))
      expect((yield* good.handshake).userAgent).toBe("A".repeat(256))
      const over = [
        [Uint8Array.of(0xfd, 0x01, 0x01), new Uint8Array(257).fill(0x41)],
        [Uint8Array.of(0xff, 255, 255, 255, 255, 255, 255, 255, 255), new Uint8Array(16)]
      ] as const
      for (const [prefix, ua] of over) {
        const raw = yield* rawClient(port)
        const { peer } = yield* nextPeer(accepted)
        yield* promise(() => raw.write(Frame.encodeRaw(MAGIC, "version", versionWithUserAgent(prefix, ua))))
        expect(yield* reasonWithin(peer, "15 seconds")).toMatchObject({ _tag: "DecodeError", error: { reason: "CountTooLarge", command: "version" } })
        expect(yield* promise(() => raw.closedWithin(10_000))).toBe(true)
      }
    }), 60_000)

  it.scopedLive("a negative start height, unknown service bits, no relay byte (a 70001 remote): the handshake completes and reports them", () =>
    Effect.gen(function*() {
      const { port, accepted } = yield* listenPeers(peerConfig())
      const raw = yield* rawClient(port)
      const { peer } = yield* nextPeer(accepted)
      const v = payloadOf(versionMessage({ version: 70001, services: (1n << 63n) | (1n << 40n) | 1n, startHeight: -5 }))
      yield* promise(() => raw.write(Frame.encodeRaw(MAGIC, "version", v.subarray(0, v.length - 1))))
      yield* promise(() => raw.take("Verack", 10_000))
      yield* promise(() => raw.send(Message.Verack.make({})))
      const info = yield* peer.handshake
      expect(info).toMatchObject({ version: 70001, startHeight: -5, relay: true, services: (1n << 63n) | (1n << 40n) | 1n })
      expect(yield* peer.disconnectReason).toBeUndefined()
    }), 30_000)
})

describe("probe: feature messages out of range", () => {
  it.scopedLive("feefilter: a rate outside Core's MoneyRange (negative, or above the network's MAX_MONEY) is ignored, the last valid one kept; 0 and MAX_MONEY are recorded", () =>
    Effect.gen(function*() {
      const { port, accepted } = yield* listenPeers(peerConfig())
      const { raw, peer } = yield* handshaken(port, accepted)
      const feefilter = (rate: bigint) => {
        const b = new Uint8Array(8)
        new DataView(b.buffer).setBigInt64(0, rate, true)
        return Frame.encodeRaw(MAGIC, "feefilter", b)
      }
      /** Sends a feefilter, then a ping: once its pong is back, the feefilter was handled. */
      const sendAndSettle = async (rate: bigint, nonce: bigint) => {
        await raw.write(concat(feefilter(rate), frame(Message.Ping.make({ nonce }))))
        return (await raw.take("Pong", 10_000)).nonce
      }
      let nonce = 0n
      const filterAfter = (rate: bigint) =>
        Effect.gen(function*() {
          const n = ++nonce
          expect(yield* promise(() => sendAndSettle(rate, n))).toBe(n)
          return (yield* peer.stats).remoteFeeFilter
        })
      expect(yield* filterAfter(1000n)).toBe(1000n)
      for (const bad of [-1n, -(1n << 63n)]) expect(yield* filterAfter(bad), String(bad)).toBe(1000n)
      expect(yield* filterAfter(0n)).toBe(0n)
      expect(yield* filterAfter(-5n)).toBe(0n)
      // regtest's MAX_MONEY (21 million BTC in satoshis) is the highest valid rate; one satoshi above
      // it, or the largest int64, is no amount (Core: `if (MoneyRange(newFeeFilter))`).
      expect(params.maxMoney).toBe(2_100_000_000_000_000n)
      expect(yield* filterAfter(2_100_000_000_000_000n)).toBe(2_100_000_000_000_000n)
      expect(yield* filterAfter(7n)).toBe(7n)
      for (const bad of [2_100_000_000_000_001n, (1n << 63n) - 1n]) expect(yield* filterAfter(bad), String(bad)).toBe(7n)
      expect(yield* peer.disconnectReason).toBeUndefined()
    }), 30_000)
})

describe("probe: a flood whose answers are never read", () => {
  it.scopedLive("pings from a remote that never reads our pongs: QueueOverflow once maxQueuedBytes is queued, memory bounded, another peer unaffected", () =>
    Effect.gen(function*() {
      const { port, accepted } = yield* listenPeers(peerConfig({ maxQueuedBytes: 256 * 1024 }))
      const { raw: friendRaw, peer: friend } = yield* handshaken(port, accepted)
      const { raw, peer } = yield* handshaken(port, accepted)
      raw.socket.pause()
      const before = memory()
      // 1,000 pings per write, until the connection is closed (or 256 MB of them: the kernel's
      // buffers on both sides hold a few MB of pongs, and then our queue must fill).
      const batch = pingBatch()
      let sent = 0
      const deadline = Date.now() + 60_000
      while (!raw.isClosed && !raw.socket.destroyed && sent < 256 * MB && Date.now() < deadline) {
        const ok = raw.socket.write(batch)
        sent += batch.length
        if (!ok) yield* writable(raw)
      }
      const reason = yield* reasonWithin(peer, "30 seconds")
      const after = memory()
      console.log(`pong backlog: attacker wrote ${mb(sent)} of pings; ${reason._tag}; heap+arrayBuffers ${mb(after.heap + after.arrayBuffers - before.heap - before.arrayBuffers)} growth`)
      expect(reason).toMatchObject({ _tag: "QueueOverflow" })
      expect(yield* promise(() => raw.closedWithin(10_000))).toBe(true)
      expect(after.heap + after.arrayBuffers - before.heap - before.arrayBuffers).toBeLessThan(32 * MB)
      yield* promise(() => friendRaw.send(Message.Ping.make({ nonce: 77n })))
      expect((yield* promise(() => friendRaw.take("Pong", 10_000))).nonce).toBe(77n)
      expect(yield* friend.disconnectReason).toBeUndefined()
    }), 120_000)
})

describe("probe: a flood whose answers are never read, measured", () => {
  it.scopedLive("the pong backlog of a remote that pings and never reads holds about maxQueuedBytes of memory, not ~7 times it", () =>
    Effect.gen(function*() {
      const limit = 8 * MB
      const { port, accepted } = yield* listenPeers(peerConfig({ maxQueuedBytes: limit }))
      const { raw, peer } = yield* handshaken(port, accepted)
      raw.socket.pause()
      const before = memory()
      const batch = pingBatch()
      // Retained memory (after a full collection) each time another 256 KB of pongs is queued.
      let peak = 0
      let measuredAt = 0
      let sent = 0
      const deadline = Date.now() + 90_000
      while (!raw.isClosed && !raw.socket.destroyed && Date.now() < deadline) {
        if (!raw.socket.write(batch)) yield* writable(raw)
        sent += batch.length
        const queued = (yield* peer.stats).queuedBytes
        if (queued >= measuredAt + 256 * 1024) {
          measuredAt = queued
          const m = memory()
          peak = Math.max(peak, m.heap + m.arrayBuffers - before.heap - before.arrayBuffers)
        }
      }
      const reason = yield* reasonWithin(peer, "30 seconds")
      console.log(`pong backlog at maxQueuedBytes ${mb(limit)}: ${mb(sent)} of pings sent, largest queue measured ${mb(measuredAt)} of pongs, retained growth ${mb(peak)}; ${reason._tag}`)
      expect(reason).toMatchObject({ _tag: "QueueOverflow", limit })
      expect(measuredAt).toBeGreaterThan(0)
      // The queue's own bound, plus the 4 MiB read bound of unread pings and the write in flight.
      expect(peak).toBeLessThan(2 * limit + 8 * MB)
    }), 150_000)
})

describe("probe: connections reset in a loop against the network's listener", () => {
  it.scopedLive("300 connections, each reset at once, after half a version, or after a full handshake: every one seen, sockets back to baseline, a good client served", () =>
    Effect.gen(function*() {
      const network = yield* listenNetwork({ maxInbound: 64, maxInboundPerGroup: 64 })
      // Sockets of this file's earlier tests may still be closing: none open before the baseline.
      const sockets = () => handles()["TCPSocketWrap"] ?? 0
      const settled = Date.now() + 30_000
      while (sockets() > 0 && Date.now() < settled) yield* Effect.sleep("20 millis")
      const baseline = sockets()
      const version = frame(versionMessage())
      const ROUNDS = 100
      for (let i = 0; i < ROUNDS; i++) {
        const a = yield* promise(() => Raw.connect(network.port))
        a.socket.resetAndDestroy()
        const b = yield* promise(() => Raw.connect(network.port))
        yield* promise(() => b.write(version.subarray(0, 60)))
        b.socket.resetAndDestroy()
        const c = yield* promise(() => Raw.connect(network.port))
        yield* promise(() => c.handshakeAsOutbound())
        c.socket.resetAndDestroy()
      }
      // Every connection ends in exactly one event: HandshakeFailed before the handshake, Disconnected after.
      for (let i = 0; i < ROUNDS; i++) expect((yield* network.next("Disconnected")).reason).toMatchObject({ _tag: "RemoteClosed" })
      for (let i = 0; i < 2 * ROUNDS; i++) expect((yield* network.next("HandshakeFailed")).reason._tag).toBe("RemoteClosed")
      const deadline = Date.now() + 30_000
      while (sockets() > baseline && Date.now() < deadline) yield* Effect.sleep("20 millis")
      expect(sockets()).toBe(baseline)
      expect(yield* network.connector.peers).toEqual([])
      const good = yield* rawClient(network.port)
      yield* promise(() => good.handshakeAsOutbound())
      yield* promise(() => good.send(Message.Ping.make({ nonce: 5n })))
      expect((yield* promise(() => good.take("Pong", 10_000))).nonce).toBe(5n)
      expect(network.events.filter((e) => e._tag === "InboundRefused")).toEqual([])
    }), 120_000)
})

describe("probe: a node dialling itself", () => {
  it.scopedLive("a node dialling its own listener: the accepting side ends with SelfConnection, the dial fails as the remote closing, nothing stays connected, no ban", () =>
    Effect.gen(function*() {
      const network = yield* listenNetwork({ transportMode: "v1" })
      const exit = yield* Effect.exit(network.connector.connect(NetAddress.fromHost("127.0.0.1", network.port)!))
      expect(exit._tag).toBe("Failure")
      const failed = [yield* network.next("HandshakeFailed"), yield* network.next("HandshakeFailed")]
      expect(failed.map((f) => [f.direction, f.reason._tag]).sort()).toEqual([["inbound", "SelfConnection"], ["outbound", "RemoteClosed"]])
      // The dialling side cannot know; its reason names the possibility.
      const dialled = failed.find((f) => f.direction === "outbound")!.reason
      expect(dialled._tag === "RemoteClosed" && dialled.detail).toContain("self-connection")
      expect(yield* network.connector.peers).toEqual([])
      expect((yield* network.book.bans).length).toBe(0)
    }), 30_000)
})

describe("probe: a maximum-size frame announced, then dribbled (TestClock)", () => {
  const at = (millis: number) => Effect.flatMap(TestClock.currentTimeMillis, (now) => TestClock.adjust(Duration.millis(millis - now)))

  it.scoped("a 4,000,000-byte frame's header, then a byte every 200 ms: IdleTimeout at idleTimeout, no payload-sized buffer allocated meanwhile", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("inbound", { idleTimeout: Duration.seconds(1), stallTickInterval: Duration.hours(1) })
      // Memory, not a counter: the bytes go straight to the frame decoder (`unreadBytes` stays 0
      // whatever it does), and a decoder that allocated the announced 4 MB on reading the header
      // would count the same bytes. That buffer would show here as ~3.8 MiB of array buffers.
      const before = memory()
      yield* raw.sendBytes(header("bigfuture", params.maxMessageSize))
      let dribbled = 0
      for (let t = 200; t < 1000; t += 200) {
        yield* at(t)
        yield* raw.sendBytes(Uint8Array.of(dribbled++))
      }
      const after = memory()
      const grown = { arrayBuffers: after.arrayBuffers - before.arrayBuffers, heap: after.heap - before.heap }
      expect(grown.arrayBuffers, mb(grown.arrayBuffers)).toBeLessThan(MB / 2)
      expect(grown.heap, mb(grown.heap)).toBeLessThan(MB)
      expect((yield* peer.stats).unreadBytes).toBeLessThanOrEqual(Frame.HEADER_SIZE + dribbled)
      yield* at(999)
      expect(yield* peer.disconnectReason).toBeUndefined()
      yield* at(1000)
      expect((yield* peer.awaitDisconnect)._tag).toBe("IdleTimeout")
    }))
})

describe("probe: our outbound peer against a hostile server", () => {
  /** Dials a raw server with one of our outbound peers (v1); the server's side of the connection. */
  const dialHostile = (config: Parameters<typeof peerConfig>[0] = {}) =>
    Effect.gen(function*() {
      const server = yield* rawServer
      const socket = yield* NodeTransport.make().dial(loopback(server.port))
      const making = yield* Effect.fork(Peer.make(socket, { direction: "outbound", remote: loopback(server.port), config: peerConfig(config) }))
      const raw = yield* Queue.take(server.accepted)
      return { making, raw }
    })

  it.scopedLive("a server that answers our version with 4 MB of unknown frames: PreHandshakeOverflow, Peer.make fails with it", () =>
    Effect.gen(function*() {
      const { making, raw } = yield* dialHostile()
      yield* promise(() => raw.take("Version", 10_000))
      yield* promise(() => raw.write(Frame.encodeRaw(MAGIC, "junk", new Uint8Array(params.maxMessageSize))))
      const exit = yield* Fiber.await(making).pipe(Effect.timeout("30 seconds"))
      expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { reason: "Disconnected", disconnect: { _tag: "PreHandshakeOverflow", scope: "peer" } } } })
      expect(yield* promise(() => raw.closedWithin(10_000))).toBe(true)
    }), 60_000)

  it.scopedLive("a server that completes the handshake, then pings and never reads: QueueOverflow on our side", () =>
    Effect.gen(function*() {
      const { making, raw } = yield* dialHostile({ maxQueuedBytes: 256 * 1024 })
      yield* promise(() => raw.handshakeAsInbound())
      const peer = yield* Fiber.join(making)
      raw.socket.pause()
      const batch = pingBatch()
      const deadline = Date.now() + 60_000
      while (!raw.isClosed && !raw.socket.destroyed && Date.now() < deadline) {
        if (!raw.socket.write(batch)) yield* writable(raw)
      }
      expect(yield* reasonWithin(peer, "30 seconds")).toMatchObject({ _tag: "QueueOverflow", limit: 256 * 1024 })
    }), 120_000)
})
