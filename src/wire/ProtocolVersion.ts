/**
 * Protocol version numbers and the features each one turns on. A peer's
 * negotiated version is `min(ours, theirs)`; codecs and the peer consult these
 * predicates rather than comparing magic numbers inline.
 *
 * @since 0.1.0
 */

/**
 * The version this library speaks by default (wtxid relay, BIP-0339).
 *
 * @since 0.1.0
 * @category constants
 */
export const CURRENT = 70016
/**
 * The oldest version we accept by default: Bitcoin Core's
 * `MIN_PEER_PROTO_VERSION` (31800, `getheaders`). Every later feature is
 * gated by the negotiated version, so older clients Core serves are served
 * too; raise `PeerConfig.minProtocolVersion` to refuse them.
 *
 * @since 0.1.0
 * @category constants
 */
export const MIN_DEFAULT = 31800

/**
 * `version` carries addr_from, nonce, user agent and start height.
 *
 * @since 0.1.0
 * @category constants
 */
export const VERSION_FULL = 106
/**
 * Addresses in `addr` carry a timestamp.
 *
 * @since 0.1.0
 * @category constants
 */
export const ADDR_TIME = 31402
/**
 * `ping` carries a nonce and expects a `pong` (BIP-0031).
 *
 * @since 0.1.0
 * @category constants
 */
export const BIP0031 = 60001
/**
 * `version` carries the relay flag; bloom filters (BIP-0037).
 *
 * @since 0.1.0
 * @category constants
 */
export const BIP0037 = 70001
/**
 * `reject` messages (BIP-0061).
 *
 * @since 0.1.0
 * @category constants
 */
export const REJECT = 70002
/**
 * NODE_BLOOM must be advertised to serve filters (BIP-0111).
 *
 * @since 0.1.0
 * @category constants
 */
export const BIP0111 = 70011
/**
 * `sendheaders` (BIP-0130).
 *
 * @since 0.1.0
 * @category constants
 */
export const SENDHEADERS = 70012
/**
 * `feefilter` (BIP-0133).
 *
 * @since 0.1.0
 * @category constants
 */
export const FEEFILTER = 70013
/**
 * Compact blocks (BIP-0152).
 *
 * @since 0.1.0
 * @category constants
 */
export const COMPACT_BLOCKS = 70014
/**
 * Invalid compact blocks are not a ban reason.
 *
 * @since 0.1.0
 * @category constants
 */
export const INVALID_CB_NO_BAN = 70015
/**
 * `wtxidrelay` (BIP-0339).
 *
 * @since 0.1.0
 * @category constants
 */
export const WTXID_RELAY = 70016

/**
 * True when `version` supports ping nonces and pong (BIP-0031).
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasPong = (version: number): boolean => version >= BIP0031
/**
 * True when `addr` entries carry timestamps.
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasAddrTime = (version: number): boolean => version >= ADDR_TIME
/**
 * True when `sendheaders` may be sent.
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasSendHeaders = (version: number): boolean => version >= SENDHEADERS
/**
 * True when `feefilter` may be sent.
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasFeeFilter = (version: number): boolean => version >= FEEFILTER
/**
 * True when compact blocks may be used.
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasCompactBlocks = (version: number): boolean => version >= COMPACT_BLOCKS
/**
 * True when `wtxidrelay` may be sent.
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasWtxidRelay = (version: number): boolean => version >= WTXID_RELAY
