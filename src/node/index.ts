/**
 * Everything that needs Node.js: TCP (`NodeTransport`), TCP through a SOCKS5
 * proxy or Tor (`Socks5Transport`), the system resolver
 * (`NodeDnsResolver`), and a complete node with a file-backed address book
 * (`NodeNetwork.layer`, `NodeNetwork.layerConfig`).
 *
 * @since 0.1.0
 */

/**
 * The `DnsResolver` over `node:dns`.
 *
 * @since 0.1.0
 * @category modules
 */
export * as NodeDnsResolver from "./NodeDnsResolver.js"

/**
 * The network layer on Node.js: TCP, the system resolver, a file-backed book.
 *
 * @since 0.1.0
 * @category modules
 */
export * as NodeNetwork from "./NodeNetwork.js"

/**
 * The `Transport` over Node.js TCP.
 *
 * @since 0.1.0
 * @category modules
 */
export * as NodeTransport from "./NodeTransport.js"

/**
 * The `Transport` that dials through a SOCKS5 proxy (Tor, I2P), with Tor stream isolation.
 *
 * @since 0.2.0
 * @category modules
 */
export * as Socks5Transport from "./Socks5Transport.js"

/**
 * Reachable networks and their dialers, as Core's `-proxy`, `-onion` and `-onlynet`.
 *
 * @since 0.2.0
 * @category modules
 */
export * as ReachableNetworks from "./ReachableNetworks.js"
