/**
 * `Frame.EchoChecksums`: a connection's decoder and encoder share the
 * checksums of their last 8-byte payloads, so a pong (which echoes its ping's
 * nonce) is neither hashed when framed by the peer that answers nor when
 * checked by the peer that pinged. What goes out must still be byte for byte
 * what `Frame.encode` gives, and what comes in must still be refused when its
 * checksum is wrong, however close it is to what was sent.
 *
 * Hashes are counted by wrapping what `internal/wire/checksum` exports (the
 * only way the frame codec and the echo memory hash a payload): a memory
 * that did nothing would still give the right bytes, only more hashes.
 */
import { describe, expect, it } from "@effect/vitest"
import { vi } from "vitest"
import * as Either from "effect/Either"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Frame from "../../src/wire/Frame.js"
import * as Message from "../../src/wire/Message.js"
import type { WireError } from "../../src/wire/WireError.js"
import { toHex } from "../support/wire.js"

/** Payload hashes since the last reset. */
const hashes = vi.hoisted(() => ({ count: 0 }))
vi.mock("../../src/internal/wire/checksum.js", async (importOriginal) =>
  (await import("../support/hashCount.js")).countingChecksum(await importOriginal(), hashes))
/** How many payloads `f` hashed. */
const hashesOf = (f: () => void): number => {
  const before = hashes.count
  f()
  return hashes.count - before
}

const magic = ChainParams.mainnet.magic
const NONCE = 0x0123_4567_89ab_cdefn
/** Nonces that share one of their two 32-bit halves with `NONCE`, and one that differs in its last byte only. */
const NEAR = [0x0123_4567_0000_0001n, 0x7654_3210_89ab_cdefn, 0x0123_4567_89ab_cdeen]

const decoderWith = (echo: Frame.EchoChecksums) => {
  const decoder = new Frame.FrameDecoder({ params: ChainParams.mainnet, echo })
  return (frame: Uint8Array): Message.NetworkMessage | WireError => {
    const out: Array<Frame.Received> = []
    const error = decoder.push(frame, out)
    return error ?? out[0]!.message
  }
}

const framed = (m: Message.NetworkMessage, echo: Frame.EchoChecksums) =>
  toHex(Either.getOrThrow(Frame.encodeEither(magic, m, undefined, echo)))

const withChecksumOf = (frame: Uint8Array, from: Uint8Array): Uint8Array => {
  const out = Uint8Array.from(frame)
  out.set(from.subarray(20, 24), 20)
  return out
}

describe("Frame.EchoChecksums", () => {
  it("frames a pong after its ping was received exactly as Frame.encode does, and any other 8-byte payload too", () => {
    const echo = Frame.makeEchoChecksums()
    const receive = decoderWith(echo)
    for (const answered of [NONCE, ...NEAR]) {
      expect(receive(Frame.encode(magic, Message.Ping.make({ nonce: NONCE })))).toMatchObject({ _tag: "Ping" })
      const pong = Message.Pong.make({ nonce: answered })
      let bytes = ""
      // The pong that echoes the ping is not hashed; one that differs is.
      expect(hashesOf(() => bytes = framed(pong, echo))).toBe(answered === NONCE ? 0 : 1)
      expect(bytes).toBe(toHex(Frame.encode(magic, pong)))
    }
    // A feefilter is 8 bytes too: the same memory, the same bytes as without it.
    const fee = Message.FeeFilter.make({ feeRate: NONCE })
    expect(framed(fee, echo)).toBe(toHex(Frame.encode(magic, fee)))
  })

  it("accepts the pong that echoes the ping it framed, and refuses one whose checksum does not match its bytes", () => {
    const ping = Message.Ping.make({ nonce: NONCE })
    const pongFrame = Frame.encode(magic, Message.Pong.make({ nonce: NONCE }))

    const echo = Frame.makeEchoChecksums()
    framed(ping, echo)
    const receive = decoderWith(echo)
    expect(hashesOf(() => expect(receive(pongFrame)).toEqual(Message.Pong.make({ nonce: NONCE })))).toBe(0)

    // The echoed payload with a wrong checksum.
    const corrupt = Uint8Array.from(pongFrame)
    corrupt[20]! ^= 1
    const echo2 = Frame.makeEchoChecksums()
    framed(ping, echo2)
    expect(decoderWith(echo2)(corrupt)).toMatchObject({ _tag: "WireError", reason: "BadChecksum" })

    // A payload close to the ping's, carrying the ping's checksum.
    for (const nonce of NEAR) {
      const near = withChecksumOf(Frame.encode(magic, Message.Pong.make({ nonce })), pongFrame)
      const echo3 = Frame.makeEchoChecksums()
      framed(ping, echo3)
      expect(decoderWith(echo3)(near)).toMatchObject({ _tag: "WireError", reason: "BadChecksum" })
    }
  })

  it("the counter sees the codec's hashes: a plain encode hashes once, a plain decode once", () => {
    expect(hashesOf(() => Frame.encode(magic, Message.Ping.make({ nonce: NONCE })))).toBe(1)
    const plain = new Frame.FrameDecoder({ params: ChainParams.mainnet })
    expect(hashesOf(() => plain.push(Frame.encode(magic, Message.Pong.make({ nonce: NONCE })), []))).toBe(2)
  })

  /** A ping framed by one connection, received by another, answered with its pong, received by the first: the frames and the hash count. */
  const exchange = (pinger: Frame.EchoChecksums | undefined, answerer: Frame.EchoChecksums | undefined) => {
    const hashesBefore = hashes.count
    const ping = Either.getOrThrow(Frame.encodeEither(magic, Message.Ping.make({ nonce: NONCE }), undefined, pinger))
    const received = new Frame.FrameDecoder({ params: ChainParams.mainnet, echo: answerer })
    const out: Array<Frame.Received> = []
    expect(received.push(ping, out)).toBeUndefined()
    expect(out[0]!.message).toEqual(Message.Ping.make({ nonce: NONCE }))
    const pong = Either.getOrThrow(Frame.encodeEither(magic, Message.Pong.make({ nonce: NONCE }), undefined, answerer))
    const back = new Frame.FrameDecoder({ params: ChainParams.mainnet, echo: pinger })
    expect(back.push(pong, out)).toBeUndefined()
    expect(out[1]!.message).toEqual(Message.Pong.make({ nonce: NONCE }))
    return { ping, pong, hashed: hashes.count - hashesBefore }
  }

  it("a ping and its pong between two connections are hashed twice with each side's EchoChecksums, four times without", () => {
    const withEcho = exchange(Frame.makeEchoChecksums(), Frame.makeEchoChecksums())
    const without = exchange(undefined, undefined)
    expect(withEcho.hashed).toBe(2)
    expect(without.hashed).toBe(4)
    expect(toHex(withEcho.ping)).toBe(toHex(without.ping))
    expect(toHex(withEcho.pong)).toBe(toHex(without.pong))
  })

  it("is one per connection: another connection's decoder receiving that exact pong hashes it once", () => {
    // Straight after the exchange (the pong is what the answerer framed last): a new connection's decoder.
    const { pong } = exchange(Frame.makeEchoChecksums(), Frame.makeEchoChecksums())
    const fresh = new Frame.FrameDecoder({ params: ChainParams.mainnet, echo: Frame.makeEchoChecksums() })
    const out: Array<Frame.Received> = []
    expect(hashesOf(() => expect(fresh.push(pong, out)).toBeUndefined())).toBe(1)
    expect(out[0]!.message).toEqual(Message.Pong.make({ nonce: NONCE }))
    // A connection that framed a ping of its own (a different nonce).
    const other = Frame.makeEchoChecksums()
    framed(Message.Ping.make({ nonce: NEAR[2]! }), other)
    const decoder = new Frame.FrameDecoder({ params: ChainParams.mainnet, echo: other })
    expect(hashesOf(() => expect(decoder.push(pong, out)).toBeUndefined())).toBe(1)
    expect(out[1]!.message).toEqual(Message.Pong.make({ nonce: NONCE }))
  })
})
