/**
 * Inventory vectors: a type and a 32-byte hash, as carried by `inv`,
 * `getdata` and `notfound`. Types this library does not know are kept as
 * numbers, so a new inventory type never breaks a peer.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Hash32, UInt32 } from "./Fields.js"

/**
 * The witness flag OR-ed into tx and block types (BIP-0144).
 *
 * @since 0.1.0
 * @category constants
 */
export const WITNESS_FLAG = 1 << 30

/**
 * Known inventory types.
 *
 * @since 0.1.0
 * @category schemas
 */
export const InvType = {
  Error: 0,
  Tx: 1,
  Block: 2,
  FilteredBlock: 3,
  CompactBlock: 4,
  WitnessTx: 1 | WITNESS_FLAG,
  WitnessBlock: 2 | WITNESS_FLAG,
  FilteredWitnessBlock: 3 | WITNESS_FLAG,
  /** BIP-0339: transaction announced by wtxid. */
  WTx: 5
} as const

/**
 * An inventory vector. In a decoded `inv`, `getdata` or `notfound`, `hash` is
 * a view of the received payload: a retained vector keeps that payload alive
 * (and nothing more). Such a message builds its `inventory` array from the
 * payload when `inventory` is first read, once; decoding has already checked
 * the count and the length.
 *
 * @since 0.1.0
 * @category schemas
 */
export const InvVector = Schema.Struct({ type: UInt32, hash: Hash32 }).annotations({ identifier: "InvVector" })

/**
 * @since 0.1.0
 * @category models
 */
export type InvVector = typeof InvVector.Type

/**
 * Serialized size of one vector.
 *
 * @since 0.1.0
 * @category constants
 */
export const SIZE = 36

/**
 * A name for an inventory type (`"Tx"`, `"WitnessBlock"`, …) or `unknown(<n>)`.
 *
 * @since 0.1.0
 * @category utils
 */
export const typeName = (type: number): string => {
  for (const [name, value] of Object.entries(InvType)) if (value === type) return name
  return `unknown(${type})`
}
