/**
 * Everything that needs Node.js: TCP (`NodeTransport`), the system resolver
 * (`NodeDnsResolver`), and a complete node with a file-backed address book
 * (`NodeNetwork.layer`, `NodeNetwork.layerConfig`).
 *
 * @since 0.1.0
 */
export * as NodeDnsResolver from "./NodeDnsResolver.js"
export * as NodeNetwork from "./NodeNetwork.js"
export * as NodeTransport from "./NodeTransport.js"
