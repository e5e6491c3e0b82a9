/**
 * The peer layer: one connection to a remote node over any `Socket`, from
 * handshake to disconnect.
 *
 * @since 0.1.0
 */
export * as DisconnectReason from "./DisconnectReason.js"
export * as MemorySocket from "./MemorySocket.js"
export * as MessageTransport from "./MessageTransport.js"
export * as Peer from "./Peer.js"
export * as PeerConfig from "./PeerConfig.js"
export * as PeerError from "./PeerError.js"
export * as V2Transport from "./V2Transport.js"
