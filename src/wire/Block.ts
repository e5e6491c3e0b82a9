/**
 * A block: header and transactions, plus the merkle root computation that
 * ties them together.
 *
 * @since 0.1.0
 */
import * as Arbitrary from "effect/Arbitrary"
import * as Schema from "effect/Schema"
import * as BlockHeader from "./BlockHeader.js"
import { ByteReader } from "../internal/wire/ByteReader.js"
import { ByteWriter } from "../internal/wire/ByteWriter.js"
import * as codec from "../internal/wire/blockCodec.js"
import { Bytes } from "./Fields.js"
import { sha256d } from "./Hash.js"
import * as Transaction from "./Transaction.js"
import * as WireFormat from "./WireFormat.js"

const baseFields = {
  header: BlockHeader.BlockHeader,
  transactions: Schema.Array(Transaction.Transaction)
}

/**
 * A full block. `mweb` is Litecoin's MWEB extension block (LIP-0002) as
 * received, from its presence byte (1 then the extension block; any other
 * byte alone, none, as Litecoin reads it): in the MWEB serialization (litecoind's
 * raw `getblock`, `MSG_MWEB_BLOCK`) it follows the transactions when the
 * last of two or more is a HogEx with the MWEB flag (Litecoin
 * primitives/block.h). Blocks of other networks, and Litecoin blocks served
 * without MWEB, have none. (Arbitraries leave it out.) The extension block
 * has no length prefix, so it is read field by field as Litecoin reads it
 * (header, inputs, outputs, kernels; optional fields by their feature bits)
 * and must end the block; its cryptography (commitments, keys, range proofs,
 * signatures) is kept unchecked, as opaque fixed-size fields. `mweb`: since
 * 0.2.0 (the rest of the schema: since 0.1.0).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Block = Schema.Struct({ ...baseFields, mweb: Schema.optional(Bytes) }).annotations({
  identifier: "Block",
  arbitrary: () => () => Arbitrary.make(Schema.Struct(baseFields))
})

/**
 * @since 0.1.0
 * @category models
 */
export type Block = typeof Block.Type

/**
 * Serialized bytes (with witness data), as `format` says (Bitcoin's by default).
 *
 * @since 0.1.0
 * @category encoding
 */
export const toBytes = (b: Block, format: WireFormat.WireFormat = WireFormat.bitcoin): Uint8Array => {
  const w = new ByteWriter(1024)
  codec.write(w, b, format)
  return w.finish()
}

/**
 * Decodes a whole serialized block; throws on malformed input or trailing bytes.
 * The block keeps a view of `bytes` (its transactions are built from them when
 * first read, and scripts and hashes are views too): do not change `bytes` afterwards.
 * `format` is the network's (Bitcoin's by default).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromBytes = (bytes: Uint8Array, format: WireFormat.WireFormat = WireFormat.bitcoin): Block => {
  const r = new ByteReader(bytes)
  const b = codec.read(r, format)
  r.done()
  return b
}

/**
 * The merkle root of a list of hashes (txids), duplicating the last hash of
 * an odd level as Bitcoin does. The root of an empty list is all zeros.
 *
 * @since 0.1.0
 * @category utils
 */
export const merkleRoot = (hashes: ReadonlyArray<Uint8Array>): Uint8Array => {
  if (hashes.length === 0) return new Uint8Array(32)
  let level = hashes.slice()
  const pair = new Uint8Array(64)
  while (level.length > 1) {
    const next: Array<Uint8Array> = []
    for (let i = 0; i < level.length; i += 2) {
      pair.set(level[i]!, 0)
      pair.set(level[i + 1] ?? level[i]!, 32)
      next.push(sha256d(pair))
    }
    level = next
  }
  return level[0]!
}

/**
 * The block hash (its header's hash).
 *
 * @since 0.1.0
 * @category predicates
 */
export const hash = (b: Block): Uint8Array => BlockHeader.hash(b.header)

/**
 * The merkle root computed from the block's transactions (compare with `header.merkleRoot`).
 *
 * @since 0.1.0
 * @category utils
 */
export const computeMerkleRoot = (b: Block): Uint8Array => merkleRoot(b.transactions.map(Transaction.txid))
