/**
 * The network layer: what lets an application join a Bitcoin-family network.
 * `Network.layer` composes five services, each a `Context.Tag` with its own
 * `layer`, so any one can be replaced and the rest keeps working.
 *
 * ```text
 *                 ┌──────────────┐ dial / listen ┌───────────┐
 *   AddressBook ◀─┤  Connector   ├──────────────▶│ Transport │  sockets; which networks it reaches
 *    ▲  ▲  ▲      │ slots, manual│               └───────────┘
 *    │  │  │      │ inbound, bans│ run(peer)
 *    │  │  │      └──────┬───────┘
 *    │  │  │             ▼
 *    │  │  │      ┌──────────────┐  Connected / Disconnected   events
 *    │  │  │      │ PeerRegistry ├──────────────────────────▶ (subscribeEvents)
 *    │  │  │      │ peers, meta, │
 *    │  │  │      │ listen addr  │ each message, in order, to each handler:
 *    │  │  │      └──┬────────┬──┘
 *    │  │  │         ▼        ▼
 *    │  │  └─ AddressRelay   Dispatcher ──▶ subscribers by message type
 *    │  │     getaddr, addr,  sendTo / broadcast ──▶ registry's peers
 *    │  │     relay, advertise
 *    │  └─ DnsSeeder ◀─ DnsResolver   (seeds while the book is small)
 *    └─ (file or memory; bans, gossip rate limits)
 * ```
 *
 * Who owns which state:
 * - `AddressBook`: every known address, attempts, bans, per-source gossip limits.
 * - `Connector`: the outbound slots and the network groups they use, the
 *   addresses in use, the inbound count, the listener; the ban policy.
 * - `PeerRegistry`: the connected peers and their metadata, the event hub,
 *   the installed handlers, our listen address. Nothing else is shared.
 * - `AddressRelay`: which peers got their `getaddr` answer; relay choice.
 * - `Dispatcher`: the subscribers' buffers.
 * - `DnsSeeder`: nothing but its schedule; it writes to the book.
 *
 * Data flows one way for received messages (socket → peer → registry →
 * relay, then dispatcher → subscribers) and the other for sends (dispatcher
 * or relay → peer → socket). Everything lives in the layer's scope: closing
 * it disconnects every peer, ends every fiber, closes the listener and (with
 * a persistent book) saves the address book.
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
import * as Layer from "effect/Layer"
import * as NetAddress from "../wire/NetAddress.js"
import type * as AddressBook from "./AddressBook.js"
import * as AddressRelay from "./AddressRelay.js"
import * as Connector from "./Connector.js"
import * as Dispatcher from "./Dispatcher.js"
import type * as DnsResolver from "./DnsResolver.js"
import * as DnsSeeder from "./DnsSeeder.js"
import type * as NetworkConfig from "./NetworkConfig.js"
import * as PeerRegistry from "./PeerRegistry.js"
import type * as Transport from "./Transport.js"

/**
 * The services `Network.layer` builds.
 *
 * @since 0.1.0
 * @category models
 */
export type Services =
  | Connector.Connector
  | Dispatcher.Dispatcher
  | AddressRelay.AddressRelay
  | DnsSeeder.DnsSeeder
  | PeerRegistry.PeerRegistry

/**
 * Replacements for the default services, each given as a layer over the
 * shared registry (and the book, transport or resolver it needs).
 *
 * @since 0.1.0
 * @category models
 */
export interface Replacements {
  readonly connector?: Layer.Layer<Connector.Connector, Transport.TransportError, PeerRegistry.PeerRegistry | AddressBook.AddressBook | Transport.Transport> | undefined
  readonly relay?: Layer.Layer<AddressRelay.AddressRelay, never, PeerRegistry.PeerRegistry | AddressBook.AddressBook> | undefined
  readonly dispatcher?: Layer.Layer<Dispatcher.Dispatcher, never, PeerRegistry.PeerRegistry> | undefined
  readonly seeder?: Layer.Layer<DnsSeeder.DnsSeeder, never, AddressBook.AddressBook | DnsResolver.DnsResolver> | undefined
}

/**
 * Every network service over an address book, a transport and a resolver
 * you provide, with `replace`d ones instead of the defaults. The registry is
 * built first, then the relay and the dispatcher (so each peer's messages go
 * to the relay's duties before the subscribers), the seeder, and last the
 * connector, so no peer connects before its handlers are installed. Fails
 * only if the listener cannot bind.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  config: Partial<NetworkConfig.NetworkConfigShape> = {},
  replace: Replacements = {}
): Layer.Layer<Services, Transport.TransportError, AddressBook.AddressBook | Transport.Transport | DnsResolver.DnsResolver> =>
  (replace.connector ?? Connector.layer(config)).pipe(
    Layer.provideMerge(replace.seeder ?? DnsSeeder.layer(config)),
    Layer.provideMerge(replace.dispatcher ?? Dispatcher.layer(config)),
    Layer.provideMerge(replace.relay ?? AddressRelay.layer(config)),
    Layer.provideMerge(PeerRegistry.layer)
  )

/**
 * `host:port` (IPv6 in brackets; port optional) to an address.
 *
 * @since 0.1.0
 * @category utils
 */
export const parseAddress = (s: string, defaultPort: number): NetAddress.NetAddressFields | undefined => {
  const m = /^\[(.+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s)
  if (m) return NetAddress.fromHost(m[1]!, Number(m[2]))
  return NetAddress.fromHost(s, defaultPort)
}
