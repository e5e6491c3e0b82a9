/**
 * Everything that needs Node.js: TCP (`NodeTransport`), TCP through a SOCKS5
 * proxy or Tor (`Socks5Transport`), the system resolver
 * (`NodeDnsResolver`), and a complete node with a file-backed address book
 * (`NodeNetwork.layer`, `NodeNetwork.layerConfig`).
 *
 * @since 0.1.0
 */
export * as NodeDnsResolver from "./NodeDnsResolver.js"
export * as NodeNetwork from "./NodeNetwork.js"
export * as NodeTransport from "./NodeTransport.js"
export * as Socks5Transport from "./Socks5Transport.js"
