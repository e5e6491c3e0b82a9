/**
 * The 4 start bytes of every frame, which tell networks apart. Kept as bytes,
 * not a number, so that no endianness mistake can creep in: mainnet is
 * `f9 be b4 d9` on the wire, whatever integer someone prints for it.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { bytesFromHex, bytesToHex } from "./Hash.js"
import { FixedBytes } from "./Fields.js"

/**
 * Network magic: exactly 4 bytes in wire order.
 *
 * @since 0.1.0
 * @category models
 */
export type Magic = Uint8Array

/**
 * Schema for a magic value.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Magic: Schema.Schema<Uint8Array> = FixedBytes(4, "Magic")

/**
 * Magic from its wire-order hex (e.g. `"f9beb4d9"`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromHex = (hex: string): Magic => {
  const b = bytesFromHex(hex)
  if (b.length !== 4) throw new Error(`magic must be 4 bytes, got ${b.length}`)
  return b
}

/**
 * Wire-order hex of a magic value.
 *
 * @since 0.1.0
 * @category encoding
 */
export const toHex = (magic: Magic): string => bytesToHex(magic)
