/**
 * What a network's wire format changes inside messages, beyond its magic and
 * caps: how block headers are serialized, how transactions are, and how big
 * a block-carrying payload may be. Set per network in `ChainParams.format`;
 * the codecs of `headers`, `block`, `cmpctblock`, `merkleblock`, `tx` and
 * `blocktxn` read it from their codec context.
 *
 * @since 0.1.0
 */
import * as BlockHeaderFormat from "./BlockHeaderFormat.js"
import type * as Transaction from "./Transaction.js"

/**
 * A network's wire format.
 *
 * @since 0.1.0
 * @category models
 */
export interface WireFormat {
  /** Block header serialization (80 bytes, 112, or with AuxPoW). */
  readonly header: BlockHeaderFormat.BlockHeaderFormat
  /** Transaction serialization (segwit, legacy, or with MWEB). */
  readonly transactions: Transaction.Serialization
  /** Largest `block`, `cmpctblock`, `merkleblock` or `tx` payload. */
  readonly maxBlockPayload: number
}

/**
 * Bitcoin's largest block (4,000,000 weight units serialize to at most 4,000,000 bytes).
 *
 * @since 0.1.0
 * @category constants
 */
export const BITCOIN_MAX_BLOCK_PAYLOAD = 4_000_000

/**
 * Bitcoin's format: 80-byte headers, segwit transactions, 4 MB blocks.
 *
 * @since 0.1.0
 * @category formats
 */
export const bitcoin: WireFormat = {
  header: BlockHeaderFormat.bitcoin,
  transactions: "segwit",
  maxBlockPayload: BITCOIN_MAX_BLOCK_PAYLOAD
}

/**
 * Whether the network has segregated witness: if not, a peer never asks for
 * NODE_WITNESS and never sends `wtxidrelay`.
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasSegwit = (format: WireFormat): boolean => format.transactions !== "legacy"
