/**
 * The 80-byte block header and its hash (double SHA-256 of the header,
 * displayed byte-reversed).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ByteReader } from "../internal/wire/ByteReader.js"
import { ByteWriter } from "../internal/wire/ByteWriter.js"
import { sha256d } from "./Hash.js"
import { Hash32, Int32, UInt32 } from "./Fields.js"

/**
 * A block header.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BlockHeader = Schema.Struct({
  version: Int32,
  prevBlock: Hash32,
  merkleRoot: Hash32,
  time: UInt32,
  bits: UInt32,
  nonce: UInt32
}).annotations({ identifier: "BlockHeader" })

/**
 * @since 0.1.0
 * @category models
 */
export type BlockHeader = typeof BlockHeader.Type

/**
 * Serialized size of a header.
 *
 * @since 0.1.0
 * @category constants
 */
export const SIZE = 80

/** @internal */
export const read = (r: ByteReader): BlockHeader => ({
  version: r.i32le(),
  prevBlock: r.hash(),
  merkleRoot: r.hash(),
  time: r.u32le(),
  bits: r.u32le(),
  nonce: r.u32le()
})

/** @internal */
export const write = (w: ByteWriter, h: BlockHeader): void => {
  w.i32le(h.version).bytes(h.prevBlock).bytes(h.merkleRoot).u32le(h.time).u32le(h.bits).u32le(h.nonce)
}

/**
 * The header's 80 bytes.
 *
 * @since 0.1.0
 * @category encoding
 */
export const toBytes = (h: BlockHeader): Uint8Array => {
  const w = new ByteWriter(80)
  write(w, h)
  return w.finish()
}

/**
 * Decodes exactly 80 bytes into a header. Throws on any other length.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromBytes = (bytes: Uint8Array): BlockHeader => {
  if (bytes.length !== SIZE) throw new Error(`block header must be 80 bytes, got ${bytes.length}`)
  return read(new ByteReader(bytes))
}

/**
 * The block hash (internal byte order; `Hash.toHex` for display).
 *
 * @since 0.1.0
 * @category predicates
 */
export const hash = (h: BlockHeader): Uint8Array => sha256d(toBytes(h))
