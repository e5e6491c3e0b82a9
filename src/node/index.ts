/**
 * Everything that needs Node.js: TCP (`NodeTransport`), the system resolver
 * (`NodeDnsResolver`), and a complete node with a file-backed address book
 * (`NodeNetwork.layer`, `NodeNetwork.layerConfig`).
 *
 * @since 0.1.0
 */

/**
 * The `DnsResolver` service over `node:dns/promises`, loaded on first use.
 *
 * @since 0.1.0
 */
export * as NodeDnsResolver from "./NodeDnsResolver.js"

/**
 * A complete network node on Node.js.
 *
 * @since 0.1.0
 */
export * as NodeNetwork from "./NodeNetwork.js"

/**
 * The network layer's `Transport` over Node.js TCP.
 *
 * @since 0.1.0
 */
export * as NodeTransport from "./NodeTransport.js"
