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
 * program.pipe(Effect.provide(NodeNetwork.layer({ peer: { params: ChainParams.signet } })), NodeRuntime.runMain)
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as AddressBook from "./AddressBook.js"
import { Connector } from "./Connector.js"
import { Dispatcher } from "./Dispatcher.js"
import { makeNode } from "../internal/network/services.js"
import * as NetAddress from "../wire/NetAddress.js"
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

