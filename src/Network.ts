/**
 * The network layer: what lets an application join a Bitcoin-family network.
 *
 * `Network.layer` composes the `AddressBook` (where peers are learned and
 * remembered), the `Connector` (which keeps outbound peers connected,
 * replaces those that drop, accepts inbound ones, bans misbehaviour) and the
 * `Dispatcher` (which routes received messages to subscribers by type and
 * sends to one, some or all peers) over `Peer`. Everything it starts lives in
 * the layer's scope: closing it disconnects every peer, ends every fiber,
 * closes the listener and (with a persistent book) saves the address book.
 *
 * ```ts
 * const program = Effect.gen(function*() {
 *   const dispatcher = yield* Dispatcher
 *   yield* dispatcher.messages("Inv").pipe(
 *     Stream.runForEach(({ peer, message }) => Effect.log(`${peer.remote}: ${message.inventory.length} items`))
 *   )
 * })
 * program.pipe(Effect.provide(Network.layerNode({ peer: { params: ChainParams.signet } })), NodeRuntime.runMain)
 * ```
 *
 * @since 0.1.0
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import type { ConfigError } from "effect/ConfigError"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as AddressBook from "./AddressBook.js"
import * as ChainParams from "./ChainParams.js"
import { Connector } from "./Connector.js"
import { Dispatcher } from "./Dispatcher.js"
import * as DnsResolver from "./DnsResolver.js"
import { makeNode } from "./internal/network/node.js"
import * as NetAddress from "./NetAddress.js"
import * as NetworkConfig from "./NetworkConfig.js"
import * as Transport from "./Transport.js"

/**
 * The connector and dispatcher over an address book and a transport you provide.
 * Fails only if the listener cannot bind.
 *
 * @since 0.1.0
 */
export const layer = (
  config: Partial<NetworkConfig.NetworkConfigShape> = {}
): Layer.Layer<Connector | Dispatcher, Transport.TransportError, AddressBook.AddressBook | Transport.Transport> =>
  Layer.scopedContext(
    Effect.gen(function*() {
      const book = yield* AddressBook.AddressBook
      const transport = yield* Transport.Transport
      const node = yield* makeNode(NetworkConfig.make(config), book, transport)
      return Context.make(Connector, node.connector).pipe(Context.add(Dispatcher, node.dispatcher))
    })
  )

/**
 * Options of a complete Node.js network node.
 *
 * @since 0.1.0
 */
export interface NodeOptions extends Partial<NetworkConfig.NetworkConfigShape> {
  /** Where the address book is persisted; memory only when absent. */
  readonly addressBookPath?: string | undefined
  /** Address book settings (e.g. `allowLocal` for loopback networks). */
  readonly addressBook?: AddressBook.Options | undefined
  /** TCP dial timeout. Default 10 s. */
  readonly dialTimeout?: import("effect/Duration").DurationInput | undefined
}

/**
 * A complete node on Node.js: TCP transport, DNS seeding, and an address book
 * persisted at `addressBookPath` (or kept in memory).
 *
 * @since 0.1.0
 */
export const layerNode = (
  options: NodeOptions = {}
): Layer.Layer<Connector | Dispatcher | AddressBook.AddressBook, Transport.TransportError | AddressBook.AddressBookError> => {
  const book = options.addressBookPath === undefined
    ? AddressBook.layerMemory(options.addressBook ?? {})
    : AddressBook.layer({ ...options.addressBook, path: options.addressBookPath }).pipe(Layer.provide(NodeFileSystem.layer))
  return layer(options).pipe(
    Layer.provideMerge(book),
    Layer.provide(Transport.layerTcp(options.dialTimeout === undefined ? {} : { dialTimeout: options.dialTimeout })),
    Layer.provide(DnsResolver.layerNode())
  )
}

const parseHostPort = (s: string, defaultPort: number): NetAddress.NetAddressFields | undefined => {
  const m = /^\[(.+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s)
  if (m) return NetAddress.fromHost(m[1]!, Number(m[2]))
  return NetAddress.fromHost(s, defaultPort)
}

/**
 * `host:port` (IPv6 in brackets; port optional) to an address.
 *
 * @since 0.1.0
 */
export const parseAddress: (s: string, defaultPort: number) => NetAddress.NetAddressFields | undefined = parseHostPort

/**
 * `layerNode` configured from `Config` (environment by default):
 * `NETWORK` (mainnet | testnet3 | testnet4 | signet | regtest), `NETWORK_PEERS`
 * (outbound target), `NETWORK_CONNECT` (comma-separated host:port, connect-only),
 * `NETWORK_LISTEN` (host:port), `NETWORK_MAX_INBOUND`, `NETWORK_ADDRESS_BOOK` (path).
 * `overrides` fill in whatever the environment leaves out.
 *
 * @since 0.1.0
 */
export const layerConfig = (
  overrides: NodeOptions = {}
): Layer.Layer<
  Connector | Dispatcher | AddressBook.AddressBook,
  Transport.TransportError | AddressBook.AddressBookError | ConfigError
> =>
  Layer.unwrapEffect(
    Effect.gen(function*() {
      const name = yield* Config.literal("mainnet", "testnet3", "testnet4", "signet", "regtest")("NETWORK").pipe(
        Config.withDefault(overrides.peer?.params?.name ?? "mainnet")
      )
      const params = ChainParams.byName[name] ?? ChainParams.mainnet
      const peers = yield* Config.integer("NETWORK_PEERS").pipe(Config.withDefault(overrides.targetOutbound ?? NetworkConfig.defaults.targetOutbound))
      const connect = yield* Config.array(Config.string(), "NETWORK_CONNECT").pipe(Config.withDefault([] as Array<string>))
      const listen = yield* Config.string("NETWORK_LISTEN").pipe(Config.option)
      const maxInbound = yield* Config.integer("NETWORK_MAX_INBOUND").pipe(Config.withDefault(overrides.maxInbound ?? NetworkConfig.defaults.maxInbound))
      const path = yield* Config.string("NETWORK_ADDRESS_BOOK").pipe(Config.option)
      const manual = connect.map((s) => parseHostPort(s.trim(), params.defaultPort)).filter((a) => a !== undefined)
      const listenAddress = listen._tag === "Some" ? parseHostPort(listen.value, params.defaultPort) : undefined
      return layerNode({
        ...overrides,
        peer: { ...overrides.peer, params },
        targetOutbound: peers,
        maxInbound,
        ...(manual.length > 0 ? { manualPeers: manual, connectOnly: true } : {}),
        ...(listenAddress !== undefined
          ? { listen: { host: NetAddress.hostToString(listenAddress), port: listenAddress.port } }
          : {}),
        ...(path._tag === "Some" ? { addressBookPath: path.value } : {})
      })
    })
  )
