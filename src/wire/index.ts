/**
 * The wire layer: every message of the Bitcoin P2P protocol as a typed value
 * with a byte codec, framing and a push-based frame decoder, chain parameters,
 * and the value types messages carry. Pure: bytes in, values out; no sockets,
 * clocks or services.
 *
 * @since 0.1.0
 */
/**
 * @since 0.1.0
 * @category modules
 */
export * as Block from "./Block.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as BlockHeader from "./BlockHeader.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as ChainParams from "./ChainParams.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Fields from "./Fields.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Frame from "./Frame.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Hash from "./Hash.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as InvVector from "./InvVector.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Magic from "./Magic.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Message from "./Message.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as NetAddress from "./NetAddress.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as ProtocolVersion from "./ProtocolVersion.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as ServiceFlags from "./ServiceFlags.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Transaction from "./Transaction.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as WireError from "./WireError.js"
