/**
 * The network layer: an address book, a connector and a dispatcher over a
 * `Transport`, composed by `Network.layer`. Platform-agnostic: the Node.js
 * transport, resolver and file-backed book are in `effect-bitcoin-p2p/node`.
 *
 * @since 0.1.0
 */

/**
 * The address book.
 *
 * @since 0.1.0
 */
export * as AddressBook from "./AddressBook.js"

/**
 * The connector keeps the node connected.
 *
 * @since 0.1.0
 */
export * as Connector from "./Connector.js"

/**
 * The dispatcher is the node's message bus.
 *
 * @since 0.1.0
 */
export * as Dispatcher from "./Dispatcher.js"

/**
 * Name resolution as a service, so DNS seeding can run against the real resolver in production and a fixed table in tests.
 *
 * @since 0.1.0
 */
export * as DnsResolver from "./DnsResolver.js"

/**
 * The network layer.
 *
 * @since 0.1.0
 */
export * as Network from "./Network.js"

/**
 * Settings of the network layer.
 *
 * @since 0.1.0
 */
export * as NetworkConfig from "./NetworkConfig.js"

/**
 * How the network layer opens and accepts connections.
 *
 * @since 0.1.0
 */
export * as Transport from "./Transport.js"
