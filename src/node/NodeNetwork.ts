/**
 * The network layer on Node.js: every service of `Network.layer` over TCP
 * (`NodeTransport`), the system resolver (`NodeDnsResolver`) for the
 * `DnsSeeder`, and an address book kept in memory or in a file.
 *
 * With `proxy`, `onion` or `onlynet` (Core's `-proxy`, `-onion`,
 * `-onlynet`) the transport is `ReachableNetworks` instead: peers are dialled
 * through the SOCKS5 proxy, each connection with its own random credentials
 * unless `proxyCredentials` says otherwise. Under `proxy` the DNS seeds are
 * asked through the proxy by name (`DnsSeeder.layerThroughProxy`) and the
 * system resolver is not provided at all: nothing here looks a name up. Nor
 * when neither IPv4 nor IPv6 is reachable (`onlynet` onion, say): the seeds'
 * answers could not be dialled.
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
import * as DnsResolver from "../network/DnsResolver.js"
import * as DnsSeeder from "../network/DnsSeeder.js"
import * as Network from "../network/Network.js"
import * as NetworkConfig from "../network/NetworkConfig.js"
import * as Transport from "../network/Transport.js"
import * as PeerConfig from "../peer/PeerConfig.js"
import * as NetAddress from "../wire/NetAddress.js"
import * as NodeDnsResolver from "./NodeDnsResolver.js"
import * as NodeTransport from "./NodeTransport.js"
import * as ReachableNetworks from "./ReachableNetworks.js"

/**
 * Options of the network layer on Node.js.
 *
 * @since 0.1.0
 * @category models
 */
export interface NodeOptions
  extends Partial<NetworkConfig.NetworkConfigShape>, Omit<ReachableNetworks.Options, "dialTimeout">
{
  /** Where the address book is persisted; memory only when absent. */
  readonly addressBookPath?: string | undefined
  /** Address book settings (e.g. `allowLocal` for loopback networks). */
  readonly addressBook?: AddressBook.Options | undefined
  /** Dial timeout. Default 10 s direct, 20 s through a proxy (which also builds a circuit for an onion). */
  readonly dialTimeout?: Duration.DurationInput | undefined
}

/**
 * The network layer on Node.js: TCP transport, DNS seeding through the
 * system resolver, and an address book persisted at `addressBookPath` (or
 * kept in memory). `replace` swaps any service, as in `Network.layer`.
 * `proxy`, `onion`, `onlynet` and `proxyCredentials` choose the reachable
 * networks and their dialers, as `ReachableNetworks.make`.
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
  const timeout = options.dialTimeout === undefined ? {} : { dialTimeout: options.dialTimeout }
  const proxied = options.proxy !== undefined || options.onion !== undefined || options.onlynet !== undefined
  if (!proxied) {
    return Network.layer(options, replace).pipe(
      Layer.provideMerge(book),
      Layer.provide(NodeTransport.layer(timeout)),
      Layer.provide(NodeDnsResolver.layer())
    )
  }
  const reachable = ReachableNetworks.make({
    proxy: options.proxy,
    onion: options.onion,
    onlynet: options.onlynet,
    proxyCredentials: options.proxyCredentials,
    ...timeout
  })
  // Under a proxy a local lookup would leak which seeds we ask (Core's name proxy): the seeds go
  // through it by name, and no resolver that could reach the system's DNS is provided.
  const throughProxy = reachable.dialName === undefined
    ? {}
    : { seeder: replace.seeder ?? DnsSeeder.layerThroughProxy(options, reachable.dialName) }
  // With neither IPv4 nor IPv6 reachable (e.g. onlynet onion) the seeds' answers could not be
  // dialled: a lookup would only tell the resolver that we run a node (Core's darknet-only nodes
  // skip the DNS seeds too).
  const clearnet = reachable.reachable.has(NetAddress.NetworkId.IPv4) || reachable.reachable.has(NetAddress.NetworkId.IPv6)
  const resolver = reachable.dialName === undefined && clearnet ? NodeDnsResolver.layer() : DnsResolver.layerNoop
  return Network.layer(options, { ...replace, ...throughProxy }).pipe(
    Layer.provideMerge(book),
    Layer.provide(Layer.succeed(Transport.Transport, reachable)),
    Layer.provide(resolver)
  )
}

/**
 * `layer` configured from `Config` (environment by default). The peer
 * settings come from `PeerConfig.layerConfig` (`PEER_NETWORK`: mainnet |
 * testnet3 | testnet4 | signet | regtest, `PEER_USER_AGENT_NAME`,
 * `PEER_PING_INTERVAL`, …), the network's from `NETWORK_PEERS` (outbound
 * target), `NETWORK_CONNECT` (comma-separated host:port, connect-only),
 * `NETWORK_LISTEN` (host:port), `NETWORK_MAX_INBOUND` and
 * `NETWORK_ADDRESS_BOOK` (path), and the reachable networks from
 * `ReachableNetworks.config` (`NETWORK_PROXY`, `NETWORK_ONION`,
 * `NETWORK_ONLYNET`, `NETWORK_PROXY_RANDOMIZE`, `NETWORK_PROXY_USERNAME` /
 * `NETWORK_PROXY_PASSWORD`). `overrides` fill in whatever the environment
 * leaves out.
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
      const reachable = yield* ReachableNetworks.config
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
        ...(path._tag === "Some" ? { addressBookPath: path.value } : {}),
        proxy: reachable.proxy ?? overrides.proxy,
        onion: reachable.onion ?? overrides.onion,
        onlynet: reachable.onlynet ?? overrides.onlynet,
        proxyCredentials: reachable.proxyCredentials ?? overrides.proxyCredentials
      })
    })
  )
