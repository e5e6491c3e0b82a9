/**
 * Service flags: the 64-bit set of capabilities a node advertises in `version`
 * and in address gossip. Held as a `bigint` so that bits this library does not
 * know survive a round trip untouched; `toNames` prints them as hex.
 *
 * The names are Bitcoin Core's (src/protocol.h), plus Bitcoin Cash's
 * NODE_BITCOIN_CASH (bit 5, unassigned in Bitcoin). Other members of the
 * family give a few bits meanings of their own, which `toNames` does not
 * know: on Bitcoin Cash (BCHN src/protocol.h) bit 6 is NODE_GRAPHENE, bit 8
 * NODE_CF (its compact filters) and bit 11 NODE_EXTVERSION, not
 * NODE_COMPACT_FILTERS and NODE_P2P_V2; Litecoin's NODE_MWEB is bit 24 and
 * NODE_MWEB_LIGHT_CLIENT bit 23 (Litecoin src/protocol.h).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { UInt64 } from "./Fields.js"

/**
 * A set of service bits (unsigned 64-bit).
 *
 * @since 0.1.0
 * @category models
 */
export type ServiceFlags = bigint

/**
 * Schema for service flags.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ServiceFlags: Schema.Schema<bigint> = UInt64

/**
 * No services.
 *
 * @since 0.1.0
 * @category constants
 */
export const NONE = 0n
/**
 * Serves the full block chain.
 *
 * @since 0.1.0
 * @category constants
 */
export const NODE_NETWORK = 1n << 0n
/**
 * Serves BIP-0037 bloom-filtered connections.
 *
 * @since 0.1.0
 * @category constants
 */
export const NODE_BLOOM = 1n << 2n
/**
 * A Bitcoin Cash node (BCHN src/protocol.h `NODE_BITCOIN_CASH = (1 << 5)`),
 * set by every BCHN node (init.cpp) since the August 2017 split.
 *
 * @since 0.2.0
 * @category constants
 */
export const NODE_BITCOIN_CASH = 1n << 5n
/**
 * Serves witness data (BIP-0144).
 *
 * @since 0.1.0
 * @category constants
 */
export const NODE_WITNESS = 1n << 3n
/**
 * Serves BIP-0157 compact block filters.
 *
 * @since 0.1.0
 * @category constants
 */
export const NODE_COMPACT_FILTERS = 1n << 6n
/**
 * Serves the last 288 blocks only (BIP-0159).
 *
 * @since 0.1.0
 * @category constants
 */
export const NODE_NETWORK_LIMITED = 1n << 10n
/**
 * Supports the BIP-0324 v2 encrypted transport.
 *
 * @since 0.1.0
 * @category constants
 */
export const NODE_P2P_V2 = 1n << 11n

const KNOWN: ReadonlyArray<readonly [bigint, string]> = [
  [NODE_NETWORK, "NODE_NETWORK"],
  [NODE_BLOOM, "NODE_BLOOM"],
  [NODE_WITNESS, "NODE_WITNESS"],
  [NODE_BITCOIN_CASH, "NODE_BITCOIN_CASH"],
  [NODE_COMPACT_FILTERS, "NODE_COMPACT_FILTERS"],
  [NODE_NETWORK_LIMITED, "NODE_NETWORK_LIMITED"],
  [NODE_P2P_V2, "NODE_P2P_V2"]
]

/**
 * Combines flags into one set.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (...flags: ReadonlyArray<bigint>): ServiceFlags => flags.reduce((a, b) => a | b, 0n)

/**
 * True when every bit of `flag` is set in `flags`.
 *
 * @since 0.1.0
 * @category predicates
 */
export const has = (flags: ServiceFlags, flag: ServiceFlags): boolean => (flags & flag) === flag

/**
 * Names of the set bits; unknown bits appear as one hex value (e.g. `0x1000000`).
 *
 * @since 0.1.0
 * @category encoding
 */
export const toNames = (flags: ServiceFlags): ReadonlyArray<string> => {
  const names: Array<string> = []
  let rest = flags
  for (const [bit, name] of KNOWN) {
    if ((flags & bit) !== 0n) {
      names.push(name)
      rest &= ~bit
    }
  }
  if (rest !== 0n) names.push(`0x${rest.toString(16)}`)
  return names
}
