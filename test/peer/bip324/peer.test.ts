/**
 * The v2 transport under a real `Peer` (through the `MessageTransport`
 * seam): two of our peers handshake over v2 in memory and over loopback TCP,
 * agree on the session id, exchange messages and ping; a prepared message
 * goes out without its v1 frame, and one v2 cannot carry fails typed; an
 * inbound v2 peer serves a v1 remote over v1 on the same socket.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Frame from "../../../src/wire/Frame.js"
import { bytesToHex } from "../../../src/wire/Hash.js"
import * as Message from "../../../src/wire/Message.js"
import { WireError } from "../../../src/wire/WireError.js"
import * as Peer from "../../../src/peer/Peer.js"
import * as V2Transport from "../../../src/peer/V2Transport.js"
import { config, memoryTransport, tcpTransport, type Transport } from "../../support/peer.js"

const v2Pair = (sockets: Transport, outbound = V2Transport.messageTransport(), inbound = V2Transport.messageTransport()) =>
  Effect.gen(function*() {
    const [a, b] = yield* sockets.pair
    return yield* Effect.all([
      Peer.make(a, { direction: "outbound", config: config(), transport: outbound }),
      Peer.make(b, { direction: "inbound", config: config(), transport: inbound })
    ], { concurrency: 2 })
  })

describe.each([memoryTransport, tcpTransport])("two v2 peers over $name", (sockets) => {
  it.live("handshake, same session id on both, messages and pings, clean end", () =>
    Effect.gen(function*() {
      const [a, b] = yield* v2Pair(sockets)
      expect(a.info.transport).toBe("v2")
      expect(b.info.transport).toBe("v2")
      expect(a.info.sessionId?.length).toBe(32)
      expect(bytesToHex(a.info.sessionId!)).toBe(bytesToHex(b.info.sessionId!))
      expect(yield* a.ping).toBeDefined()
      expect(yield* b.ping).toBeDefined()
      const sub = yield* b.subscribe("Inv")
      const got = yield* Stream.runCollect(Stream.take(sub, 3)).pipe(Effect.fork)
      for (let i = 0; i < 3; i++) {
        yield* a.send(Message.Inv.make({ inventory: [{ type: 1, hash: new Uint8Array(32).fill(i) }] }))
      }
      const invs = Chunk.toReadonlyArray(yield* Fiber.join(got))
      expect(invs.map((m) => m.inventory[0]!.hash[0])).toEqual([0, 1, 2])
      const stats = yield* a.stats
      expect(stats.sent["inv"]?.messages).toBe(3)
      // Payload bytes, not ciphertext: 1 (count) + 36 per inventory vector.
      expect(stats.sent["inv"]?.bytes).toBe(3 * 37)
      yield* a.disconnect("bye")
      expect((yield* b.awaitDisconnect)._tag).toBe("RemoteClosed")
    }).pipe(Effect.scoped))
})

describe("sending over v2", () => {
  it.live("a prepared message goes out without its v1 frame (v2 has no checksum to compute)", () =>
    Effect.gen(function*() {
      const [a, b] = yield* v2Pair(memoryTransport)
      const inv = Message.Inv.make({ inventory: [{ type: 1, hash: new Uint8Array(32).fill(9) }] })
      const prepared = Frame.prepare(inv)
      // Asking for the v1 frame (header and double-SHA256 checksum) fails the send.
      const noV1Frame: Frame.Prepared = { ...prepared, frame: () => Either.left(new WireError({ reason: "EncodeFailed", command: "inv" })) }
      const sub = yield* b.subscribe("Inv")
      const got = yield* Stream.runHead(sub).pipe(Effect.fork)
      yield* a.send(noV1Frame)
      const arrived = yield* Fiber.join(got)
      expect(Option.getOrThrow(arrived).inventory[0]!.hash[0]).toBe(9)
    }).pipe(Effect.scoped))

  it.live("a message v2 cannot carry fails with EncodeFailed, plain or prepared, and the peer stays connected", () =>
    Effect.gen(function*() {
      const [a, b] = yield* v2Pair(memoryTransport)
      // No one-byte id and longer than the 12-byte long form.
      const bad = Message.Unknown.make({ command: "far-too-long-command", payload: new Uint8Array(1) })
      expect((yield* Effect.flip(a.send(bad))).reason).toBe("EncodeFailed")
      expect((yield* Effect.flip(a.send(Frame.prepare(bad)))).reason).toBe("EncodeFailed")
      const sub = yield* b.subscribe("Inv")
      const got = yield* Stream.runHead(sub).pipe(Effect.fork)
      yield* a.send(Message.Inv.make({ inventory: [{ type: 1, hash: new Uint8Array(32).fill(4) }] }))
      expect(Option.getOrThrow(yield* Fiber.join(got)).inventory[0]!.hash[0]).toBe(4)
      expect((yield* a.stats).sent["far-too-long-command"]).toBeUndefined()
    }).pipe(Effect.scoped))
})

describe("one listener for v1 and v2", () => {
  it.live("an inbound v2 transport serves a v1 remote over v1", () =>
    Effect.gen(function*() {
      const [a, b] = yield* memoryTransport.pair
      const [v1Peer, inbound] = yield* Effect.all([
        Peer.make(a, { direction: "outbound", config: config() }),
        Peer.make(b, { direction: "inbound", config: config(), transport: V2Transport.messageTransport() })
      ], { concurrency: 2 })
      expect(v1Peer.info.transport).toBe("v1")
      expect(inbound.info.transport).toBe("v1")
      expect(inbound.info.sessionId).toBeUndefined()
      expect(yield* inbound.ping).toBeDefined()
      expect(yield* v1Peer.ping).toBeDefined()
    }).pipe(Effect.scoped))

  it.live("with acceptV1: false, a v1 remote is refused with the transport's error", () =>
    Effect.gen(function*() {
      const [a, b] = yield* memoryTransport.pair
      const inbound = yield* Peer.make(b, {
        direction: "inbound",
        config: config(),
        transport: V2Transport.messageTransport({ acceptV1: false })
      }).pipe(Effect.fork)
      yield* Peer.make(a, { direction: "outbound", config: config() }).pipe(Effect.fork)
      const failure = yield* Effect.flip(Fiber.join(inbound))
      expect(failure.reason).toBe("Disconnected")
      const reason = failure.disconnect
      expect(reason?._tag).toBe("DecodeError")
      const error = reason?._tag === "DecodeError" ? reason.error : undefined
      expect(error?._tag).toBe("MessageTransportError")
      expect(error?._tag === "MessageTransportError" ? [error.reason, error.transport] : []).toEqual(["Handshake", "v2"])
    }).pipe(Effect.scoped))
})
