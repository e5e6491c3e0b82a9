/**
 * The network layer on Node.js: every service of `Network.layer` over TCP
 * (`NodeTransport`), the system resolver (`NodeDnsResolver`) for the
 * `DnsSeeder`, and an address book kept in memory or in a file.
 *
 * @since 0.1.0
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Config from "effect/Config"
import type { ConfigError } from "effect/ConfigError"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as AddressBook from "../network/AddressBook.js"
import * as Network from "../network/Network.js"
import * as NetworkConfig from "../network/NetworkConfig.js"
import type * as Transport from "../network/Transport.js"
import * as PeerConfig from "../peer/PeerConfig.js"
import * as NetAddress from "../wire/NetAddress.js"
import * as NodeDnsResolver from "./NodeDnsResolver.js"
import * as NodeTransport from "./NodeTransport.js"

/**
 * Options of the network layer on Node.js.
 *
 * @since 0.1.0
 * @category models
 */
export interface NodeOptions extends Partial<NetworkConfig.NetworkConfigShape> {
  /** Where the address book is persisted; memory only when absent. */
  readonly addressBookPath?: string | undefined
  /** Address book settings (e.g. `allowLocal` for loopback networks). */
  readonly addressBook?: AddressBook.Options | undefined
  /** TCP dial timeout. Default 10 s. */
  readonly dialTimeout?: Duration.DurationInput | undefined
}

/**
 * The network layer on Node.js: TCP transport, DNS seeding through the
 * system resolver, and an address book persisted at `addressBookPath` (or
 * kept in memory). `replace` swaps any service, as in `Network.layer`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: NodeOptions = {},
  replace: Network.Replacements = {}
): Layer.Layer<Network.Services | AddressBook.AddressBook, Transport.TransportError | AddressBook.AddressBookError> => {
  const book = options.addressBookPath === undefined
    ? AddressBook.layerMemory(options.addressBook ?? {})
    : AddressBook.layer({ ...options.addressBook, path: options.addressBookPath }).pipe(Layer.provide(NodeFileSystem.layer))
  return Network.layer(options, replace).pipe(
    Layer.provideMerge(book),
    Layer.provide(NodeTransport.layer(options.dialTimeout === undefined ? {} : { dialTimeout: options.dialTimeout })),
    Layer.provide(NodeDnsResolver.layer())
  )
}

/**
 * `layer` configured from `Config` (environment by default). The peer
 * settings come from `PeerConfig.layerConfig` (`PEER_NETWORK`: mainnet |
 * testnet3 | testnet4 | signet | regtest, `PEER_USER_AGENT_NAME`,
 * `PEER_PING_INTERVAL`, …), the network's from `NETWORK_PEERS` (outbound
 * target), `NETWORK_CONNECT` (comma-separated host:port, connect-only),
 * `NETWORK_LISTEN` (host:port), `NETWORK_MAX_INBOUND` and
 * `NETWORK_ADDRESS_BOOK` (path). `overrides` fill in whatever the
 * environment leaves out.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  overrides: NodeOptions = {}
): Layer.Layer<
  Network.Services | AddressBook.AddressBook,
  Transport.TransportError | AddressBook.AddressBookError | ConfigError
> =>
  Layer.unwrapEffect(
    Effect.gen(function*() {
      // One source for the peer settings, the same names a lone `Peer` reads. The process-wide
      // nonce registry is left out: each connector keeps its own (our nodes may dial each other).
      const { nonceRegistry: _, ...peer } = yield* Effect.provide(PeerConfig.PeerConfig, PeerConfig.layerConfig(overrides.peer))
      const params = peer.params
      const peers = yield* Config.integer("NETWORK_PEERS").pipe(Config.withDefault(overrides.targetOutbound ?? NetworkConfig.defaults.targetOutbound))
      const connect = yield* Config.array(Config.string(), "NETWORK_CONNECT").pipe(Config.withDefault([] as Array<string>))
      const listen = yield* Config.string("NETWORK_LISTEN").pipe(Config.option)
      const maxInbound = yield* Config.integer("NETWORK_MAX_INBOUND").pipe(Config.withDefault(overrides.maxInbound ?? NetworkConfig.defaults.maxInbound))
      const path = yield* Config.string("NETWORK_ADDRESS_BOOK").pipe(Config.option)
      const manual = connect.map((s) => Network.parseAddress(s.trim(), params.defaultPort)).filter((a) => a !== undefined)
      const listenAddress = listen._tag === "Some" ? Network.parseAddress(listen.value, params.defaultPort) : undefined
      return layer({
        ...overrides,
        peer,
        targetOutbound: peers,
        maxInbound,
        ...(manual.length > 0 ? { manualPeers: manual, connectOnly: true } : {}),
        ...(listenAddress !== undefined
          ? { listen: { host: NetAddress.hostToString(listenAddress), port: listenAddress.port } }
          : {})
        ,
        ...(path._tag === "Some" ? { addressBookPath: path.value } : {})
      })
    })
  )
