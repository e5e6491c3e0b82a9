/**
 * Schemas for the protocol's primitive field types. They describe the decoded
 * values (what a message holds) and carry fast-check arbitraries that stay
 * inside each field's wire range, so property round trips exercise exactly
 * the values the codecs must carry.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

const intBetween = (min: number, max: number, id: string) =>
  Schema.Number.pipe(
    Schema.int(),
    Schema.between(min, max),
    Schema.annotations({ identifier: id, arbitrary: () => (fc) => fc.integer({ min, max }) })
  )

const bigintBetween = (min: bigint, max: bigint, id: string) =>
  Schema.BigIntFromSelf.pipe(
    Schema.betweenBigInt(min, max),
    Schema.annotations({ identifier: id, arbitrary: () => (fc) => fc.bigInt({ min, max }) })
  )

/**
 * Unsigned 8-bit integer.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UInt8 = intBetween(0, 0xff, "UInt8")
/**
 * Unsigned 16-bit integer.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UInt16 = intBetween(0, 0xffff, "UInt16")
/**
 * Unsigned 32-bit integer.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UInt32 = intBetween(0, 0xffff_ffff, "UInt32")
/**
 * Signed 32-bit integer.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Int32 = intBetween(-0x8000_0000, 0x7fff_ffff, "Int32")
/**
 * Unsigned 48-bit integer (BIP-0152 short transaction ids).
 *
 * @since 0.1.0
 * @category schemas
 */
export const UInt48 = intBetween(0, 0xffff_ffff_ffff, "UInt48")
/**
 * Unsigned 64-bit integer as `bigint`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UInt64 = bigintBetween(0n, 0xffff_ffff_ffff_ffffn, "UInt64")
/**
 * Signed 64-bit integer as `bigint`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Int64 = bigintBetween(-0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn, "Int64")

/**
 * Bytes of any length. Decoded values are views into the received frame; copy
 * them (`slice()`) if you keep them long after the message.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Bytes = Schema.Uint8ArrayFromSelf.pipe(
  Schema.annotations({ identifier: "Bytes", arbitrary: () => (fc) => fc.uint8Array({ maxLength: 80 }) })
)

/**
 * Bytes capped at `max` (var bytes with a protocol limit).
 *
 * @since 0.1.0
 * @category schemas
 */
export const BytesMax = (max: number) =>
  Schema.Uint8ArrayFromSelf.pipe(
    Schema.filter((b) => b.length <= max || `at most ${max} bytes`),
    Schema.annotations({ arbitrary: () => (fc) => fc.uint8Array({ maxLength: Math.min(max, 80) }) })
  )

/**
 * Exactly `n` bytes.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FixedBytes = (n: number, id: string) =>
  Schema.Uint8ArrayFromSelf.pipe(
    Schema.filter((b) => b.length === n || `exactly ${n} bytes`),
    Schema.annotations({ identifier: id, arbitrary: () => (fc) => fc.uint8Array({ minLength: n, maxLength: n }) })
  )

/**
 * A 32-byte hash in internal (wire) byte order. See `Hash.toHex` for display.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Hash32 = FixedBytes(32, "Hash32")

const textEncoder = new TextEncoder()

/**
 * A string whose UTF-8 encoding is capped at `max` bytes (var string with a
 * protocol limit). It must be well-formed UTF-16 (no lone surrogate): only
 * such a string survives the trip through UTF-8 unchanged.
 *
 * @since 0.1.0
 * @category schemas
 */
export const VarString = (max: number) =>
  Schema.String.pipe(
    Schema.filter((s) => isWellFormed(s) || "well-formed UTF-16 (no lone surrogate)"),
    Schema.filter((s) => textEncoder.encode(s).length <= max || `at most ${max} UTF-8 bytes`),
    Schema.annotations({
      arbitrary: () => (fc) => fc.string({ maxLength: Math.min(max, 40) })
    })
  )

/** No lone surrogate (`String.prototype.isWellFormed`, Node ≥ 20). */
const isWellFormed = (s: string): boolean => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s)

/**
 * A list of at most `max` items.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ListMax = <A, I, R>(item: Schema.Schema<A, I, R>, max: number) => Schema.Array(item).pipe(Schema.maxItems(max))
