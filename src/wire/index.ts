/**
 * The wire layer: every message of the Bitcoin P2P protocol as a typed value
 * with a byte codec, framing and a push-based frame decoder, chain parameters,
 * and the value types messages carry. Pure: bytes in, values out; no sockets,
 * clocks or services.
 *
 * @since 0.1.0
 */
export * as Block from "./Block.js"
export * as BlockHeader from "./BlockHeader.js"
export * as ChainParams from "./ChainParams.js"
export * as Fields from "./Fields.js"
export * as Frame from "./Frame.js"
export * as Hash from "./Hash.js"
export * as InvVector from "./InvVector.js"
export * as Magic from "./Magic.js"
export * as Message from "./Message.js"
export * as NetAddress from "./NetAddress.js"
export * as ProtocolVersion from "./ProtocolVersion.js"
export * as ServiceFlags from "./ServiceFlags.js"
export * as Transaction from "./Transaction.js"
export * as WireError from "./WireError.js"
