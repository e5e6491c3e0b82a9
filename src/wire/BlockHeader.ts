/**
 * The block header and its hash (double SHA-256 of the header's identity
 * bytes, displayed byte-reversed).
 *
 * Bitcoin's header is 80 bytes. Two members of the family extend it, and this
 * one type carries both extensions as optional fields:
 * - LBRY puts a claim-trie root after the merkle root (112 bytes); the hash
 *   covers all 112.
 * - Dogecoin's merge-mined headers are followed by an AuxPoW proof (variable
 *   length, present when version bit 8 is set); the hash covers the 80-byte
 *   base only, as Dogecoin's `GetHash` does.
 *
 * Which fields a network's headers carry on the wire is its
 * `BlockHeaderFormat` (see `ChainParams.format`).
 *
 * @since 0.1.0
 */
import * as Arbitrary from "effect/Arbitrary"
import * as Schema from "effect/Schema"
import { ByteReader } from "../internal/wire/ByteReader.js"
import { ByteWriter } from "../internal/wire/ByteWriter.js"
import * as codec from "../internal/wire/blockHeaderCodec.js"
import { sha256d } from "./Hash.js"
import { Bytes, Hash32, Int32, UInt32 } from "./Fields.js"

const baseFields = {
  version: Int32,
  prevBlock: Hash32,
  merkleRoot: Hash32,
  time: UInt32,
  bits: UInt32,
  nonce: UInt32
}

const Base = Schema.Struct(baseFields)

/**
 * A block header. `claimTrieRoot` is LBRY's, `auxPow` Dogecoin's merge-mining
 * proof (its serialized bytes, kept as received); Bitcoin headers have neither.
 * (Arbitraries generate Bitcoin headers; each format has its own in tests.)
 *
 * @since 0.1.0
 * @category schemas
 */
export const BlockHeader = Schema.Struct({
  ...baseFields,
  claimTrieRoot: Schema.optional(Hash32),
  auxPow: Schema.optional(Bytes)
}).annotations({ identifier: "BlockHeader", arbitrary: () => () => Arbitrary.make(Base) })

/**
 * @since 0.1.0
 * @category models
 */
export type BlockHeader = typeof BlockHeader.Type

/**
 * Serialized size of a Bitcoin header.
 *
 * @since 0.1.0
 * @category constants
 */
export const SIZE = 80

/**
 * Serialized size of an LBRY header (with its claim-trie root).
 *
 * @since 0.1.0
 * @category constants
 */
export const LBRY_SIZE = 112

/**
 * The header's identity bytes: its 80 bytes, or 112 for an LBRY header
 * (an AuxPoW proof is not part of them).
 *
 * @since 0.1.0
 * @category encoding
 */
export const toBytes = (h: BlockHeader): Uint8Array => {
  const w = new ByteWriter(h.claimTrieRoot === undefined ? SIZE : LBRY_SIZE)
  codec.write(w, h)
  return w.finish()
}

/**
 * Decodes exactly 80 bytes into a header. Throws on any other length.
 * (Other formats: `BlockHeaderFormat.fromBytes`.)
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromBytes = (bytes: Uint8Array): BlockHeader => {
  if (bytes.length !== SIZE) throw new Error(`block header must be 80 bytes, got ${bytes.length}`)
  return codec.read(new ByteReader(bytes))
}

/**
 * The block hash (internal byte order; `Hash.toHex` for display): double
 * SHA-256 of the identity bytes (`toBytes`), for every format.
 *
 * @since 0.1.0
 * @category predicates
 */
export const hash = (h: BlockHeader): Uint8Array => sha256d(toBytes(h))
