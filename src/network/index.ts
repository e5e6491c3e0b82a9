/**
 * The network layer: an address book, a peer registry, a connector, a
 * dispatcher, an address relay and a DNS seeder over a `Transport` and a
 * `DnsResolver`, composed by `Network.layer`. Platform-agnostic: the Node.js
 * transport, resolver and file-backed book are in `effect-bitcoin-p2p/node`.
 *
 * @since 0.1.0
 */

/**
 * Every known peer address: new and tried tables, bans, gossip limits.
 *
 * @since 0.1.0
 * @category modules
 */
export * as AddressBook from "./AddressBook.js"

/**
 * The address duties: getaddr answers, addr booking and relay, self-advertisement.
 *
 * @since 0.1.0
 * @category modules
 */
export * as AddressRelay from "./AddressRelay.js"

/**
 * Which connections the node has: outbound slots, manual peers, inbound, bans.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Connector from "./Connector.js"

/**
 * The message bus: subscribe by message type, send to one, some or all peers.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Dispatcher from "./Dispatcher.js"

/**
 * Name resolution as a service, for DNS seeding.
 *
 * @since 0.1.0
 * @category modules
 */
export * as DnsResolver from "./DnsResolver.js"

/**
 * DNS seeding of the address book while it is small.
 *
 * @since 0.1.0
 * @category modules
 */
export * as DnsSeeder from "./DnsSeeder.js"

/**
 * `Network.layer`: every network service composed, and the architecture map.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Network from "./Network.js"

/**
 * Settings of the network services, with documented defaults.
 *
 * @since 0.1.0
 * @category modules
 */
export * as NetworkConfig from "./NetworkConfig.js"

/**
 * The shared state: connected peers, events, metadata, message handlers.
 *
 * @since 0.1.0
 * @category modules
 */
export * as PeerRegistry from "./PeerRegistry.js"

/**
 * Where sockets come from: the transport interface and the in-memory one.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Transport from "./Transport.js"
