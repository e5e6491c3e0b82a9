/**
 * effect-bitcoin-p2p: Bitcoin-family peer-to-peer networking on Effect.
 *
 * This entry point is platform-agnostic (nothing from `node:*` or
 * `@effect/platform-node`); the Node.js adapters are in
 * `effect-bitcoin-p2p/node`.
 *
 * - Wire (`effect-bitcoin-p2p/wire`): `Message`, `Frame`, `ChainParams`, and
 *   the value types they use.
 * - Peer (`effect-bitcoin-p2p/peer`): `Peer`, `PeerConfig`,
 *   `DisconnectReason`, `MemorySocket`.
 * - Network (`effect-bitcoin-p2p/network`): `Network`, `PeerRegistry`,
 *   `AddressBook`, `Connector`, `Dispatcher`, `AddressRelay`, `DnsSeeder`,
 *   `Transport`, `DnsResolver`, `NetworkConfig`.
 *
 * @since 0.1.0
 */
export * from "./network/index.js"
/**
 * The peer layer: one connection to a remote node over any `Socket`.
 *
 * @since 0.1.0
 * @category exports
 */
export * from "./peer/index.js"
/**
 * The wire layer: message values, byte codecs, framing and chain parameters.
 *
 * @since 0.1.0
 * @category exports
 */
export * from "./wire/index.js"
