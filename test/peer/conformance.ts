/**
 * The peer conformance suite: what a peer does over any transport that gives
 * a connected socket pair. `transport.test.ts` runs it over `MemorySocket`
 * and over loopback TCP.
 */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Either from "effect/Either"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Frame from "../../src/wire/Frame.js"
import * as InvVector from "../../src/wire/InvVector.js"
import * as Message from "../../src/wire/Message.js"
import * as Peer from "../../src/peer/Peer.js"
import * as PeerConfig from "../../src/peer/PeerConfig.js"
import * as ServiceFlags from "../../src/wire/ServiceFlags.js"
import {
  blockInv,
  config,
  connect,
  disconnectOf,
  framed,
  hashOf,
  headersMessage,
  makeRaw,
  payloadSize,
  rawHandshake,
  settle,
  type Transport,
  txInv,
  v1Framing,
  versionMessage
} from "../support/peer.js"

export const conformance = (transport: Transport) => {
  const framing = transport.framing ?? v1Framing
  /** Cases against a hand-written v1 remote run once per socket, under v1. */
  const rawRemote = framing.name !== "v1"
  return describe(`peer over ${transport.name}${framing.name === "v1" ? "" : ` (${framing.name})`}`, () => {
    describe("handshake", () => {
      it.scopedLive.skipIf(rawRemote)("an outbound peer sends version first and completes against a hand-written remote", () =>
        Effect.gen(function*() {
          const [a, b] = yield* transport.pair
          // the peer first: over TCP, the accepted socket exists once the peer dialed
          const make = yield* Peer.make(a, { direction: "outbound", config: config({ userAgentName: "out" }) }).pipe(Effect.fork)
          const raw = yield* makeRaw(b)
          // the raw remote says nothing until it has the peer's version: `expect` dies unless the first frame is one
          const theirs = yield* rawHandshake(raw, "outbound")
          expect(theirs.userAgent).toBe("/out:0.1.0/")
          const peer = yield* Fiber.join(make)
          expect(peer.direction).toBe("outbound")
          expect(peer.info.nonce).toBe(raw.nonce)
        }))

      // (over TCP the accepted end exists only once the peer dialed, so the remote cannot speak first)
      it.scopedLive.skipIf(transport.name !== "MemorySocket" || rawRemote)("an outbound peer sends version first even when the remote's version and verack are already waiting", () =>
        Effect.gen(function*() {
          const [a, b] = yield* transport.pair
          const raw = yield* makeRaw(b)
          // bcoin-style: the remote speaks first, before our peer even exists
          yield* raw.send(versionMessage({ nonce: raw.nonce }))
          yield* raw.send(Message.Verack.make({}))
          yield* Effect.sleep(Duration.millis(20))
          const peer = yield* Peer.make(a, { direction: "outbound", config: config() })
          const first = yield* raw.next
          expect(first.command).toBe("version")
          expect(peer.info.nonce).toBe(raw.nonce)
        }))

      it.scopedLive.skipIf(rawRemote)("an inbound peer waits for the remote's version before sending its own", () =>
        Effect.gen(function*() {
          const [a, b] = yield* transport.pair
          const raw = yield* makeRaw(a)
          const make = yield* Peer.make(b, { direction: "inbound", config: config() }).pipe(Effect.fork)
          yield* Effect.sleep(Duration.millis(50))
          expect(yield* raw.drain).toEqual([])
          expect(make.unsafePoll()).toBeNull()
          yield* raw.send(versionMessage({ nonce: raw.nonce }))
          const replies = [yield* raw.next, yield* raw.next, yield* raw.next]
          expect(replies.map((r) => r.command)).toEqual(["version", "sendaddrv2", "verack"])
          yield* raw.send(Message.Verack.make({}))
          const peer = yield* Fiber.join(make)
          expect(peer.direction).toBe("inbound")
        }))

      it.scopedLive("both sides see each other's version, user agent (BIP-0014), services, height and relay; version = min", () =>
        Effect.gen(function*() {
          const [out, inb] = yield* connect(
            transport,
            {
              userAgentName: "alice",
              userAgentVersion: "1.2.3",
              userAgentComments: ["linux", "x64"],
              services: ServiceFlags.make(ServiceFlags.NODE_NETWORK, ServiceFlags.NODE_WITNESS),
              startHeight: Effect.succeed(100),
              relay: false
            },
            {
              protocolVersion: 70015,
              userAgentName: "bob",
              userAgentVersion: "0.9",
              services: ServiceFlags.NODE_NETWORK_LIMITED,
              startHeight: Effect.succeed(7)
            }
          )
          expect(out.info).toMatchObject({
            version: 70015,
            negotiatedVersion: 70015,
            userAgent: "/bob:0.9/",
            services: ServiceFlags.NODE_NETWORK_LIMITED,
            startHeight: 7,
            relay: true
          })
          expect(inb.info).toMatchObject({
            version: 70016,
            negotiatedVersion: 70015,
            userAgent: "/alice:1.2.3(linux; x64)/",
            services: ServiceFlags.NODE_NETWORK | ServiceFlags.NODE_WITNESS,
            startHeight: 100,
            relay: false
          })
          expect(out.direction).toBe("outbound")
          expect(inb.direction).toBe("inbound")
          yield* settle(out, inb)
          const [so, si] = [yield* out.stats, yield* inb.stats]
          expect(so.handshake).toEqual(out.info)
          expect(si.handshake).toEqual(inb.info)
          expect(so.lastBlock).toBe(7)
          expect(si.lastBlock).toBe(100)
          // sendheaders went after verack; wtxidrelay is off by default; sendaddrv2 goes only at
          // 70016 (as Core: older software may reject an unknown message), and this pair speaks 70015.
          for (const s of [so, si]) {
            expect(s.remoteWantsAddrV2).toBe(false)
            expect(s.remoteWantsHeaders).toBe(true)
            expect(s.remoteWantsWtxid).toBe(false)
          }
        }))

      it.scopedLive("wtxidrelay is announced only when both speak 70016; feefilter is sent after verack", () =>
        Effect.gen(function*() {
          const [a, b] = yield* connect(transport, { announceWtxidRelay: true }, { announceWtxidRelay: true, feeFilter: 1000n })
          yield* settle(a, b)
          expect((yield* a.stats).remoteWantsWtxid).toBe(true)
          expect((yield* b.stats).remoteWantsWtxid).toBe(true)
          expect((yield* a.stats).remoteFeeFilter).toBe(1000n)
          expect((yield* b.stats).remoteFeeFilter).toBeUndefined()
          // sendaddrv2 went before verack at 70016, and only there.
          expect((yield* a.stats).remoteWantsAddrV2).toBe(true)
          expect((yield* b.stats).remoteWantsAddrV2).toBe(true)
          const [c, d] = yield* connect(transport, { announceWtxidRelay: true }, { announceWtxidRelay: true, protocolVersion: 70015 })
          yield* settle(c, d)
          expect((yield* c.stats).remoteWantsWtxid).toBe(false)
          expect((yield* d.stats).remoteWantsWtxid).toBe(false)
          expect((yield* c.stats).remoteWantsAddrV2).toBe(false)
          expect((yield* d.stats).remoteWantsAddrV2).toBe(false)
        }))

      it.scopedLive("two of our peers sharing one nonce registry detect a self-connection", () =>
        Effect.gen(function*() {
          const [a, b] = yield* transport.pair
          const registry = PeerConfig.makeNonceRegistry()
          const [ea, eb] = yield* Effect.all([
            Effect.flip(Peer.make(a, { direction: "outbound", config: config({ nonceRegistry: registry }), ...framed(transport) })),
            Effect.flip(Peer.make(b, { direction: "inbound", config: config({ nonceRegistry: registry }), ...framed(transport) }))
          ], { concurrency: 2 })
          expect(disconnectOf(eb)._tag).toBe("SelfConnection")
          expect(disconnectOf(ea)._tag).toBe("RemoteClosed")
        }))
    })

    it.scopedLive("ping: the round trip is returned and recorded in the stats", () =>
      Effect.gen(function*() {
        const [a, b] = yield* connect(transport)
        const before = yield* a.stats
        expect(before.lastPingMillis).toBeUndefined()
        expect(before.minPingMillis).toBeUndefined()
        const rtts: Array<number> = []
        for (let i = 0; i < 3; i++) rtts.push(Duration.toMillis(yield* a.ping))
        const s = yield* a.stats
        expect(s.lastPingMillis).toBe(rtts[2])
        expect(s.minPingMillis).toBe(Math.min(...rtts))
        expect(s.received["pong"]?.messages).toBe(3)
        const t = yield* b.stats
        expect(t.received["ping"]?.messages).toBe(3)
        expect(t.sent["pong"]?.messages).toBe(3)
        // the side that did not ping has no round trip
        expect(t.lastPingMillis).toBeUndefined()
      }))

    it.scopedLive("send + typed subscribe: a subscriber to Headers gets only headers, typed", () =>
      Effect.gen(function*() {
        const [a, b] = yield* connect(transport)
        yield* settle(a, b)
        const headers = yield* b.subscribe("Headers")
        const everything = yield* b.subscribe()
        const invOrAddr = yield* b.subscribe("Inv", "GetAddr")
        yield* a.send(Message.Inv.make({ inventory: [txInv(1)] }))
        yield* a.send(headersMessage(2))
        yield* a.send(Message.GetAddr.make({}))
        yield* a.send(headersMessage(3, 10))
        const got = yield* Stream.runCollect(Stream.take(headers, 2))
        expectTypeOf(got).toEqualTypeOf<Chunk.Chunk<Message.MessageOf<"Headers">>>()
        expect(Chunk.toReadonlyArray(got).map((h) => h.headers.map((x) => x.nonce))).toEqual([[0, 1], [10, 11, 12]])
        const all = yield* Stream.runCollect(Stream.take(everything, 4))
        expect(Chunk.toReadonlyArray(all).map((m) => m._tag)).toEqual(["Inv", "Headers", "GetAddr", "Headers"])
        const some = yield* Stream.runCollect(Stream.take(invOrAddr, 2))
        expect(Chunk.toReadonlyArray(some).map((m) => m._tag)).toEqual(["Inv", "GetAddr"])
        // `messages` subscribes when run
        const later = yield* b.messages("Inv").pipe(Stream.take(1), Stream.runCollect, Effect.fork)
        yield* Effect.sleep(Duration.millis(10))
        yield* a.send(Message.Inv.make({ inventory: [txInv(2)] }))
        const [inv] = Chunk.toReadonlyArray(yield* Fiber.join(later))
        expect(Array.from(inv!.inventory[0]!.hash)).toEqual(Array.from(txInv(2).hash))
      }))

    it.scopedLive("sendAndAwait resolves once the message was written", () =>
      Effect.gen(function*() {
        const [a, b] = yield* connect(transport)
        const sub = yield* b.subscribe("Inv")
        for (let i = 1; i <= 3; i++) {
          yield* a.sendAndAwait(Message.Inv.make({ inventory: [txInv(i)] }))
          const s = yield* a.stats
          expect(s.sent["inv"]?.messages).toBe(i)
          expect(s.queuedBytes).toBe(0)
        }
        const got = yield* Stream.runCollect(Stream.take(sub, 3))
        expect(Chunk.size(got)).toBe(3)
      }))

    it.scopedLive("a Frame.prepare'd message goes to two peers as the same bytes and arrives whole at both", () =>
      Effect.gen(function*() {
        const [a1, b1] = yield* connect(transport)
        const [a2, b2] = yield* connect(transport)
        const subs = [yield* b1.subscribe("Inv"), yield* b2.subscribe("Inv")]
        const prepared = Frame.prepare(Message.Inv.make({ inventory: [txInv(7), txInv(8)] }))
        yield* a1.send(prepared)
        yield* a2.sendAndAwait(prepared)
        yield* a1.sendAndAwait(prepared)
        for (const sub of subs) {
          for (const inv of Chunk.toReadonlyArray(yield* Stream.runCollect(Stream.take(sub, sub === subs[0] ? 2 : 1)))) {
            expect(inv.inventory.map((v) => Array.from(v.hash))).toEqual([txInv(7), txInv(8)].map((v) => Array.from(v.hash)))
          }
        }
        const frame = Either.getOrThrow(prepared.frame(ChainParams.regtest.magic, a1.info.negotiatedVersion))
        expect((yield* a1.stats).sent["inv"]).toEqual({ messages: 2, bytes: 2 * (frame.length - Frame.HEADER_SIZE) })
        expect((yield* a2.stats).sent["inv"]).toEqual({ messages: 1, bytes: frame.length - Frame.HEADER_SIZE })
      }))

    it.scopedLive("a request whose matcher throws fails with that defect; the peer carries on", () =>
      Effect.gen(function*() {
        const [a, b] = yield* connect(transport)
        const exit = yield* a.request(Message.Ping.make({ nonce: 99n }), (m) => {
          if (m._tag === "Pong") throw new Error("matcher bug")
          return undefined
        }, { timeout: Duration.seconds(5) }).pipe(Effect.exit)
        expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
        expect(String(Exit.isFailure(exit) && Cause.squash(exit.cause))).toContain("matcher bug")
        expect(Duration.toMillis(yield* a.ping)).toBeGreaterThanOrEqual(0)
        expect(yield* a.disconnectReason).toBeUndefined()
        expect(yield* b.disconnectReason).toBeUndefined()
      }))

    it.scopedLive("request / getHeaders / getData get the reply that matches", () =>
      Effect.gen(function*() {
        const [a, b] = yield* connect(transport)
        // b answers getheaders with as many headers as the locator is long, and getdata with notfound
        yield* b.messages("GetHeaders", "GetData").pipe(
          Stream.runForEach((m) =>
            m._tag === "GetHeaders"
              ? b.send(headersMessage(m.locator.length, 100))
              : b.send(Message.NotFound.make({ inventory: m.inventory }))
          ),
          Effect.forkScoped
        )
        const h = yield* a.getHeaders([hashOf(1), hashOf(2), hashOf(3)])
        expect(h._tag).toBe("Headers")
        expect(h.headers.map((x) => x.nonce)).toEqual([100, 101, 102])
        // an unrelated message in between does not answer the request
        yield* b.send(Message.Inv.make({ inventory: [txInv(9)] }))
        const nf = yield* a.getData(blockInv(5))
        expect(nf._tag).toBe("NotFound")
        const r = yield* a.request(
          Message.GetData.make({ inventory: [txInv(7), txInv(8)] }),
          (m) => (m._tag === "NotFound" ? m.inventory.length : undefined)
        )
        expect(r).toBe(2)
        expect(yield* a.disconnectReason).toBeUndefined()
      }))

    it.scopedLive("concurrent senders: 20 fibers x 50 messages all arrive, each sender's in order", () =>
      Effect.gen(function*() {
        const [a, b] = yield* connect(transport)
        const SENDERS = 20
        const EACH = 50
        const sub = yield* b.subscribe("Inv")
        const collected = yield* Stream.runCollect(Stream.take(sub, SENDERS * EACH)).pipe(Effect.fork)
        yield* Effect.forEach(
          Array.from({ length: SENDERS }, (_, s) => s),
          (s) =>
            Effect.forEach(
              Array.from({ length: EACH }, (_, i) => i),
              (i) =>
                Effect.zipRight(
                  i % 2 === 0
                    ? a.send(Message.Inv.make({ inventory: [{ type: InvVector.InvType.Tx, hash: hashOf(i, s) }] }))
                    : a.sendAndAwait(Message.Inv.make({ inventory: [{ type: InvVector.InvType.Tx, hash: hashOf(i, s) }] })),
                  Effect.yieldNow()
                ),
              { discard: true }
            ),
          { concurrency: "unbounded", discard: true }
        )
        const got = Chunk.toReadonlyArray(yield* Fiber.join(collected))
        const perSender = new Map<number, Array<number>>()
        for (const m of got) {
          const h = m.inventory[0]!.hash
          const seq = (h[1]! << 24) | (h[2]! << 16) | (h[3]! << 8) | h[4]!
          const list = perSender.get(h[0]!) ?? []
          list.push(seq)
          perSender.set(h[0]!, list)
        }
        expect(perSender.size).toBe(SENDERS)
        for (const [, seqs] of perSender) expect(seqs).toEqual(Array.from({ length: EACH }, (_, i) => i))
      }))

    it.scopedLive("stats count messages and payload bytes per command, both ways", () =>
      Effect.gen(function*() {
        const [a, b] = yield* connect(transport)
        const inv = Message.Inv.make({ inventory: [txInv(1), txInv(2)] })
        const headers = headersMessage(3)
        const getAddr = Message.GetAddr.make({})
        for (let i = 0; i < 3; i++) yield* a.send(inv)
        for (let i = 0; i < 2; i++) yield* a.send(headers)
        yield* a.send(getAddr)
        yield* settle(a, b)
        const [sa, sb] = [yield* a.stats, yield* b.stats]
        expect(sa.sent["inv"]).toEqual({ messages: 3, bytes: 3 * payloadSize(inv) })
        expect(sa.sent["headers"]).toEqual({ messages: 2, bytes: 2 * payloadSize(headers) })
        expect(sa.sent["getaddr"]).toEqual({ messages: 1, bytes: 0 })
        expect(sa.sent["version"]?.messages).toBe(1)
        expect(sa.sent["verack"]?.messages).toBe(1)
        // everything one side wrote, the other read
        expect(sb.received).toEqual(sa.sent)
        expect(sa.received).toEqual(sb.sent)
        expect(sb.bytesReceived).toBe(sa.bytesSent)
        expect(sa.bytesReceived).toBe(sb.bytesSent)
        const total = Object.entries(sa.sent).reduce((n, [command, c]) => n + c.bytes + framing.overhead(command) * c.messages, 0)
        // Exact for v1; v2 adds its handshake, whose garbage is of random length.
        expect(sa.bytesSent - total).toBeGreaterThanOrEqual(framing.handshake[0])
        expect(sa.bytesSent - total).toBeLessThanOrEqual(framing.handshake[1])
        expect([sa.transport, sb.transport]).toEqual([framing.name, framing.name])
        expect(sa.sessionId).toEqual(sb.sessionId)
        if (framing.name === "v2") expect(sa.sessionId).toHaveLength(32)
        else expect(sa.sessionId).toBeUndefined()
        expect(sa.lastSend).toBeDefined()
        expect(sb.lastReceive).toBeDefined()
      }))

    it.scopedLive("disconnect: the remote sees RemoteClosed, we see LocalRequest; sends fail and subscriptions end", () =>
      Effect.gen(function*() {
        const [a, b] = yield* connect(transport)
        const subA = yield* a.subscribe()
        const subB = yield* b.subscribe()
        const endA = yield* Stream.runCollect(subA).pipe(Effect.fork)
        const endB = yield* Stream.runCollect(subB).pipe(Effect.fork)
        yield* a.disconnect("done here")
        const local = yield* a.awaitDisconnect
        expect(local).toMatchObject({ _tag: "LocalRequest", detail: "done here" })
        expect(yield* a.disconnectReason).toMatchObject({ _tag: "LocalRequest" })
        expect((yield* b.awaitDisconnect)._tag).toBe("RemoteClosed")
        const error = yield* Effect.flip(a.send(Message.GetAddr.make({})))
        expect(disconnectOf(error)._tag).toBe("LocalRequest")
        expect(disconnectOf(yield* Effect.flip(b.sendAndAwait(Message.GetAddr.make({}))))._tag).toBe("RemoteClosed")
        expect(disconnectOf(yield* Effect.flip(a.ping))._tag).toBe("LocalRequest")
        // subscriptions end (successfully) with the peer, including ones made afterwards
        yield* Fiber.join(endA)
        yield* Fiber.join(endB)
        expect(Chunk.size(yield* Stream.runCollect(yield* a.subscribe()))).toBe(0)
        // a second disconnect is a no-op and keeps the first reason
        yield* a.disconnect("again")
        expect(yield* a.awaitDisconnect).toMatchObject({ detail: "done here" })
      }))

    it.scopedLive("closing the scope disconnects with Shutdown and fails what was pending", () =>
      Effect.gen(function*() {
        const [sa, sb] = yield* transport.pair
        const inner = yield* Scope.make()
        const [a, b] = yield* Effect.all([
          Peer.make(sa, { direction: "outbound", config: config(), ...framed(transport) }).pipe(Scope.extend(inner)),
          Peer.make(sb, { direction: "inbound", config: config(), ...framed(transport) })
        ], { concurrency: 2 })
        // b never answers this
        const pending = yield* a.getHeaders([hashOf(1)]).pipe(Effect.flip, Effect.fork)
        yield* b.messages("GetHeaders").pipe(Stream.take(1), Stream.runDrain)
        yield* Scope.close(inner, Exit.void)
        expect((yield* a.awaitDisconnect)._tag).toBe("Shutdown")
        expect(disconnectOf(yield* Fiber.join(pending))._tag).toBe("Shutdown")
        expect((yield* b.awaitDisconnect)._tag).toBe("RemoteClosed")
      }))
  })
}
