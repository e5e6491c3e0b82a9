/**
 * `Frame.EchoChecksums`: a connection's decoder and encoder share the
 * checksums of their last 8-byte payloads, so a pong (which echoes its ping's
 * nonce) is neither hashed when framed by the peer that answers nor when
 * checked by the peer that pinged. What goes out must still be byte for byte
 * what `Frame.encode` gives, and what comes in must still be refused when its
 * checksum is wrong, however close it is to what was sent.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Frame from "../../src/wire/Frame.js"
import * as Message from "../../src/wire/Message.js"
import type { WireError } from "../../src/wire/WireError.js"
import { toHex } from "../support/wire.js"

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
      expect(framed(pong, echo)).toBe(toHex(Frame.encode(magic, pong)))
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
    expect(decoderWith(echo)(pongFrame)).toEqual(Message.Pong.make({ nonce: NONCE }))

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

  it("is one per connection: a decoder without it, or with another connection's, checks every payload itself", () => {
    const ping = Message.Ping.make({ nonce: NONCE })
    const mine = Frame.makeEchoChecksums()
    framed(ping, mine)
    const near = withChecksumOf(Frame.encode(magic, Message.Pong.make({ nonce: NEAR[2]! })), Frame.encode(magic, ping))
    expect(decoderWith(Frame.makeEchoChecksums())(near)).toMatchObject({ reason: "BadChecksum" })
    const plain = new Frame.FrameDecoder({ params: ChainParams.mainnet })
    expect(plain.push(near, [])).toMatchObject({ reason: "BadChecksum" })
  })
})
