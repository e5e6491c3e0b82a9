/**
 * A Litecoin block in the MWEB serialization can be larger than the 4 MB the
 * Litecoin presets accept: Litecoin consensus.h allows
 * MAX_BLOCK_SERIALIZED_SIZE_WITH_MWEB (4,000,000 plus the extension block's
 * own cap) and Litecoin net.h frames up to 32,000,000 bytes. A peer sends one
 * only for a `getdata` of `MSG_MWEB_BLOCK`, which this library never asks for;
 * the presets keep 4 MB (per-peer memory), and a user who asks for MWEB
 * blocks raises `maxMessageSize` and `format.maxBlockPayload`. This holds
 * that raising them through the public `ChainParams` is enough, frame in and
 * frame out, and that the defaults refuse such a block before reading it.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Frame from "../../src/wire/Frame.js"
import type * as Message from "../../src/wire/Message.js"
import { bytes, concat } from "../support/wire.js"
import { LTC_BLOCK_1, LTC_HOGEX } from "./vectors/family.js"
import { BLOCK_ONE_COINBASE_HEX } from "./vectors/fixtures.js"

/** Outputs of 839 bytes (three 33-byte keys, no optional fields, range proof, signature): 5,000 of them pass 4 MB. */
const OUTPUTS = 5_000
const OUTPUT = 33 * 3 + 1 + 675 + 64

/** An extension block of `OUTPUTS` outputs and no inputs or kernels (structure only: nothing checks its cryptography). */
const bigExtension = (): Uint8Array => {
  const head = bytes("01", "00", "11".repeat(160), "0000", "00", "fd", "8813") // 5,000 outputs (CompactSize fd 1388)
  const out = new Uint8Array(head.length + OUTPUTS * OUTPUT + 1)
  out.set(head)
  out.fill(0x5a, head.length)
  for (let i = 0; i < OUTPUTS; i++) out[head.length + i * OUTPUT + 99] = 0 // output message features: none
  out[out.length - 1] = 0 // no kernels
  return out
}

const extension = bigExtension()
const payload = concat(bytes(LTC_BLOCK_1), bytes("02"), bytes(BLOCK_ONE_COINBASE_HEX), bytes(LTC_HOGEX[0].hex), extension)
/** Byte equality of large arrays (a deep `toEqual` over millions of elements takes minutes). */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0
const SIZE = 16_000_000

/** Litecoin mainnet with the caps raised for MWEB blocks: the frame cap and the block payload cap. */
const raised: ChainParams.ChainParams = {
  ...ChainParams.ltcMainnet,
  maxMessageSize: SIZE,
  format: { ...ChainParams.ltcMainnet.format, maxBlockPayload: SIZE }
}

const frameOf = (params: ChainParams.ChainParams) =>
  Frame.encodeRaw(params.magic, "block", payload)

describe("a Litecoin block in the MWEB serialization over 4 MB", () => {
  it("is refused before its payload is read with the presets' caps, and decodes once both are raised", () => {
    expect(payload.length).toBeGreaterThan(ChainParams.ltcMainnet.maxMessageSize)
    const frame = frameOf(raised)
    // Presets: the frame cap stops it at the header.
    const byDefault = Frame.decodeOne(frame.subarray(0, Frame.HEADER_SIZE), { params: ChainParams.ltcMainnet })
    expect(Either.isLeft(byDefault) && byDefault.left.reason).toBe("OversizedFrame")
    // The frame cap alone raised: the block cap stops it, still at the header.
    const frameCapOnly = { ...ChainParams.ltcMainnet, maxMessageSize: SIZE }
    const blockCap = Frame.decodeOne(frame.subarray(0, Frame.HEADER_SIZE), { params: frameCapOnly })
    expect(Either.isLeft(blockCap) && blockCap.left).toMatchObject({ reason: "OversizedPayload", command: "block" })
    // Both raised: it decodes, extension block and all, and is framed back byte for byte.
    const decoded = Frame.decodeOne(frame, { params: raised })
    if (Either.isLeft(decoded)) throw new Error(decoded.left.message)
    const block = decoded.right.message as Message.MessageOf<"Block">
    expect(block.transactions.length).toBe(2)
    expect(same(block.mweb!, extension)).toBe(true)
    const ctx = { version: raised.protocolVersion, format: raised.format }
    const back = Frame.encodeEither(raised.magic, block, ctx)
    expect(Either.isRight(back) && same(back.right, frame)).toBe(true)
    // Nor does the encoder send it where the presets' peers would refuse it.
    const presetCtx = { version: raised.protocolVersion, format: ChainParams.ltcMainnet.format }
    const refused = Frame.encodeEither(raised.magic, block, presetCtx)
    expect(Either.isLeft(refused) && refused.left.reason).toBe("EncodeFailed")
  })
})
