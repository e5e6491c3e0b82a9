/**
 * The peer layer: one connection to a remote node over any `Socket`, from
 * handshake to disconnect.
 *
 * @since 0.1.0
 */

/**
 * Why a peer was disconnected, and the error its pending senders, requests and waiters receive.
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
