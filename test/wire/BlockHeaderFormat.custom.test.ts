/**
 * A block header format written by a user, through the public wire entry
 * point only (`ByteCursor`, `BlockHeaderFormat`, `WireFormat`, `Message`):
 * the extension point for chains whose headers differ from Bitcoin's.
 *
 * The format here is LBRY's 112-byte header written again from the outside,
 * plus one rule of its own (BIP-0009 version bits required), so it can be
 * checked byte for byte against LBRY block 1 and against the built-in `lbry`
 * format, and its failures can be checked for the typed errors `ByteCursor`
 * promises.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import { BlockHeader, BlockHeaderFormat, type ByteCursor, Hash, Message, WireFormat } from "../../src/wire/index.js"
import { LBRY_BLOCK_1 } from "./vectors/family.js"
import { bytes, concat, toHex } from "../support/wire.js"

/** BIP-0009: the top three version bits are 001. */
const VERSION_BITS_MASK = 0xe0000000
const VERSION_BITS_TOP = 0x20000000

const versionBits = (version: number): boolean => ((version & VERSION_BITS_MASK) >>> 0) === VERSION_BITS_TOP

const claimTrie: BlockHeaderFormat.BlockHeaderFormat = {
  name: "claim-trie (user-defined)",
  size: { _tag: "Fixed", bytes: 112 },
  read: (r: ByteCursor.Reader) => {
    const version = r.i32le()
    if (!versionBits(version)) throw new Error(`version ${version} is not a BIP-0009 version`)
    return {
      version,
      prevBlock: r.hash(),
      merkleRoot: r.hash(),
      claimTrieRoot: r.hash(),
      time: r.u32le(),
      bits: r.u32le(),
      nonce: r.u32le()
    }
  },
  write: (w: ByteCursor.Writer, h) => {
    if (h.claimTrieRoot === undefined) throw new Error("a claim-trie header needs a claim-trie root")
    if (!versionBits(h.version)) throw new Error(`version ${h.version} is not a BIP-0009 version`)
    w.i32le(h.version).bytes(h.prevBlock).bytes(h.merkleRoot).bytes(h.claimTrieRoot)
    w.u32le(h.time).u32le(h.bits).u32le(h.nonce)
  }
}

const format: WireFormat.WireFormat = { ...WireFormat.bitcoin, header: claimTrie }
const ctx: Message.CodecContext = { version: 70016, format }

const hash32 = FastCheck.uint8Array({ minLength: 32, maxLength: 32 })
const header = FastCheck.tuple(Arbitrary.make(BlockHeader.BlockHeader), hash32).map(([h, claimTrieRoot]) => ({
  ...h,
  version: ((h.version & ~VERSION_BITS_MASK) | VERSION_BITS_TOP) | 0,
  claimTrieRoot
}))

describe("a user-defined BlockHeaderFormat", () => {
  it("reads and writes LBRY block 1 byte for byte, with LBRY's block hash", () => {
    const h = BlockHeaderFormat.fromBytes(claimTrie, bytes(LBRY_BLOCK_1))
    expect(h).toEqual(BlockHeaderFormat.fromBytes(BlockHeaderFormat.lbry, bytes(LBRY_BLOCK_1)))
    expect(toHex(BlockHeaderFormat.toBytes(claimTrie, h))).toBe(LBRY_BLOCK_1)
    expect(Hash.toHex(BlockHeader.hash(h))).toBe("decb9e2cca03a419fd9cca0cb2b1d5ad11b088f22f8f38556d93ac4358b86c24")
  })

  it("carries headers in a `headers` message: exact bytes, and back", () => {
    const h = BlockHeaderFormat.fromBytes(claimTrie, bytes(LBRY_BLOCK_1))
    const encoded = Message.encodePayloadEither(Message.Headers.make({ headers: [h, h] }), ctx)
    // count 2, then each header followed by its (empty) transaction count.
    const expected = concat(bytes("02"), bytes(LBRY_BLOCK_1), bytes("00"), bytes(LBRY_BLOCK_1), bytes("00"))
    expect(Either.isRight(encoded) && toHex(encoded.right)).toBe(toHex(expected))
    const decoded = Message.decodePayloadEither("headers", expected, ctx)
    expect(Either.isRight(decoded) && decoded.right).toEqual(Message.Headers.make({ headers: [h, h] }))
    // Its fixed size sets the `headers` cap, as for the built-in formats.
    expect(Message.maxPayload("headers", ctx.version, format)).toBe(Message.maxPayload("headers", ctx.version, { ...format, header: BlockHeaderFormat.lbry }))
  })

  it("agrees with the built-in LBRY format on every header it accepts", () => {
    FastCheck.assert(
      FastCheck.property(header, (h) => {
        const wire = BlockHeaderFormat.toBytes(claimTrie, h)
        expect(wire).toEqual(BlockHeaderFormat.toBytes(BlockHeaderFormat.lbry, h))
        expect(BlockHeaderFormat.fromBytes(claimTrie, wire)).toEqual(h)
      }),
      { numRuns: 100 }
    )
  })

  it("a header cut short is a typed Truncated error at every length", () => {
    const full = concat(bytes("01"), bytes(LBRY_BLOCK_1), bytes("00"))
    for (let n = 1; n < full.length - 1; n++) {
      const r = Message.decodePayloadEither("headers", full.subarray(0, n), ctx)
      expect(Either.isLeft(r) && r.left.reason, `${n} bytes`).toBe("Truncated")
    }
  })

  it("a value the format refuses is InvalidValue when read and EncodeFailed when written, with its message", () => {
    const h = BlockHeaderFormat.fromBytes(claimTrie, bytes(LBRY_BLOCK_1))
    const old = BlockHeaderFormat.toBytes(BlockHeaderFormat.lbry, { ...h, version: 4 })
    const read = Message.decodePayloadEither("headers", concat(bytes("01"), old, bytes("00")), ctx)
    expect(Either.isLeft(read) && [read.left.reason, read.left.command]).toEqual(["InvalidValue", "headers"])
    expect(Either.isLeft(read) && read.left.message).toMatch(/not a BIP-0009 version/)

    const { claimTrieRoot: _, ...plain } = h
    const written = Message.encodePayloadEither(Message.Headers.make({ headers: [plain] }), ctx)
    expect(Either.isLeft(written) && written.left.reason).toBe("EncodeFailed")
    expect(Either.isLeft(written) && written.left.message).toMatch(/needs a claim-trie root/)
  })
})
