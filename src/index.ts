/**
 * effect-bitcoin-p2p: Bitcoin-family peer-to-peer networking on Effect.
 *
 * - Wire: `Message` (every protocol message, one union), `Frame` (framing and
 *   the streaming decoder), `ChainParams`, and the value types they use.
 * - Peer: `Peer` (one connection, handshake to disconnect), `PeerConfig`,
 *   `DisconnectReason`, `MemorySocket`.
 * - Network: `Network` (the composed layer), `AddressBook`, `Connector`,
 *   `Dispatcher`, `Transport`, `DnsResolver`, `NetworkConfig`.
 *
 * @since 0.1.0
 */
export * as AddressBook from "./AddressBook.js"
export * as Block from "./Block.js"
export * as BlockHeader from "./BlockHeader.js"
export * as ChainParams from "./ChainParams.js"
export * as Connector from "./Connector.js"
export * as DisconnectReason from "./DisconnectReason.js"
export * as Dispatcher from "./Dispatcher.js"
export * as DnsResolver from "./DnsResolver.js"
export * as Frame from "./Frame.js"
export * as Hash from "./Hash.js"
export * as InvVector from "./InvVector.js"
export * as Magic from "./Magic.js"
export * as MemorySocket from "./MemorySocket.js"
export * as Message from "./Message.js"
export * as NetAddress from "./NetAddress.js"
export * as Network from "./Network.js"
export * as NetworkConfig from "./NetworkConfig.js"
export * as Peer from "./Peer.js"
export * as PeerConfig from "./PeerConfig.js"
export * as ProtocolVersion from "./ProtocolVersion.js"
export * as ServiceFlags from "./ServiceFlags.js"
export * as Transaction from "./Transaction.js"
export * as Transport from "./Transport.js"
export * as Wire from "./Wire.js"
export * as WireError from "./WireError.js"
