/**
 * The network layer: an address book, a peer registry, a connector, a
 * dispatcher, an address relay and a DNS seeder over a `Transport` and a
 * `DnsResolver`, composed by `Network.layer`. Platform-agnostic: the Node.js
 * transport, resolver and file-backed book are in `effect-bitcoin-p2p/node`.
 *
 * @since 0.1.0
 */
export * as AddressBook from "./AddressBook.js"
export * as AddressRelay from "./AddressRelay.js"
export * as Connector from "./Connector.js"
export * as Dispatcher from "./Dispatcher.js"
export * as DnsResolver from "./DnsResolver.js"
export * as DnsSeeder from "./DnsSeeder.js"
export * as Network from "./Network.js"
export * as NetworkConfig from "./NetworkConfig.js"
export * as PeerRegistry from "./PeerRegistry.js"
export * as Transport from "./Transport.js"
