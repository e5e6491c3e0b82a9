/**
 * The peer layer: one connection to a remote node over any `Socket`, from
 * handshake to disconnect.
 *
 * @since 0.1.0
 */
export * as DisconnectReason from "./DisconnectReason.js"

/**
 * An in-memory `Socket` pair.
 *
 * @since 0.1.0
 */
export * as MemorySocket from "./MemorySocket.js"

/**
 * The seam between bytes and messages.
 *
 * @since 0.1.0
 */
export * as MessageTransport from "./MessageTransport.js"

/**
 * A peer.
 *
 * @since 0.1.0
 */
export * as Peer from "./Peer.js"

/**
 * Everything a peer can be told, with a documented default for each field and the reason for it.
 *
 * @since 0.1.0
 */
export * as PeerConfig from "./PeerConfig.js"

/**
 * The error of a peer's operations.
 *
 * @since 0.1.0
 */
export * as PeerError from "./PeerError.js"

/**
 * BIP324 v2 encrypted transport, as a sans-I/O session.
 *
 * @since 0.1.0
 */
export * as V2Transport from "./V2Transport.js"
