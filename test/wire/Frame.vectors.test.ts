import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Frame from "../../src/wire/Frame.js"
import * as Hash from "../../src/wire/Hash.js"
import * as Message from "../../src/wire/Message.js"
import { bytes, toHex } from "../support/wire.js"
import { frameVectors, VERACK_FRAME_HEX } from "./vectors/frames.js"

const mainnet = { params: ChainParams.mainnet }

describe("frame vectors", () => {
  for (const v of frameVectors) {
    describe(`${v.name} (${v.source})`, () => {
      it("has a header whose length and checksum match its payload", () => {
        const payload = v.frame.subarray(Frame.HEADER_SIZE)
        const view = new DataView(v.frame.buffer, v.frame.byteOffset)
        expect(view.getUint32(16, true)).toBe(payload.length)
        expect(toHex(v.frame.subarray(20, 24))).toBe(toHex(Hash.nobleHasher.sha256d(payload).subarray(0, 4)))
      })

      it("decodes to the expected message", () => {
        const r = Frame.decodeOne(v.frame, mainnet)
        expect(Either.isRight(r)).toBe(true)
        if (Either.isLeft(r)) return
        expect(r.right.command).toBe(v.command)
        expect(r.right.payloadSize).toBe(v.frame.length - Frame.HEADER_SIZE)
        expect(r.right.message).toEqual(v.expected)
      })

      it("encodes to exactly the same frame", () => {
        expect(toHex(Frame.encode(ChainParams.mainnet.magic, v.expected))).toBe(toHex(v.frame))
      })
    })
  }

  it("frames the same verack under each network's magic", () => {
    const verack = Message.Verack.make({})
    const expected: Record<string, string> = {
      mainnet: "f9beb4d9",
      testnet3: "0b110907",
      testnet4: "1c163f28",
      signet: "0a03cf40",
      regtest: "fabfb5da"
    }
    for (const [name, params] of Object.entries(ChainParams.byName)) {
      const frame = Frame.encode(params.magic, verack)
      expect(toHex(frame)).toBe(expected[name] + VERACK_FRAME_HEX.slice(8))
      const r = Frame.decodeOne(frame, { params })
      expect(Either.isRight(r) && r.right.message).toEqual(verack)
    }
  })

  it("frames an unknown message with its own command and payload", () => {
    const unknown: Message.NetworkMessage = { _tag: "Unknown", command: "bogus", payload: bytes("01020304") }
    const frame = Frame.encode(ChainParams.mainnet.magic, unknown)
    expect(toHex(frame.subarray(4, 16))).toBe("626f677573" + "00".repeat(7))
    expect(Frame.decodeOne(frame, mainnet)).toEqual(Either.right({ command: "bogus", payloadSize: 4, message: unknown }))
  })

  it("refuses to frame a command that does not fit 12 printable bytes", () => {
    const long: Message.NetworkMessage = { _tag: "Unknown", command: "thirteenchars", payload: new Uint8Array(0) }
    const r = Frame.encodeEither(ChainParams.mainnet.magic, long)
    expect(Either.isLeft(r) && r.left.reason).toBe("EncodeFailed")
    const bad: Message.NetworkMessage = { _tag: "Unknown", command: "a\u0001", payload: new Uint8Array(0) }
    const r2 = Frame.encodeEither(ChainParams.mainnet.magic, bad)
    expect(Either.isLeft(r2) && r2.left.reason).toBe("EncodeFailed")
  })
})
